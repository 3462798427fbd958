import { layerMemoryServices } from "../support/services.ts"
import { apiSuite } from "./api.suite.ts"

apiSuite("memory", layerMemoryServices)
