import { writeJobsSuite } from "../programs/writeJobs.suite.ts"
import { layerPgliteServices } from "../support/services.ts"

writeJobsSuite("the embedded PGlite", layerPgliteServices)
