import { writeJobsSuite } from "../programs/writeJobs.suite.ts"
import { layerPostgresServices } from "../support/services.ts"

writeJobsSuite("postgresql", layerPostgresServices)
