import { layerMemoryServices } from "../support/services.ts"
import { writeJobsSuite } from "./writeJobs.suite.ts"

writeJobsSuite("memory", layerMemoryServices)
