import { createJobSuite } from "../programs/createJob.suite.ts"
import { layerPostgresServices } from "../support/services.ts"

createJobSuite("postgresql", layerPostgresServices)
