import { layerMemoryServices } from "../support/services.ts"
import { createJobSuite } from "./createJob.suite.ts"

createJobSuite("memory", layerMemoryServices)
