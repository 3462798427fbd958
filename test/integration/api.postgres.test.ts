import { apiSuite } from "../http/api.suite.ts"
import { layerPostgresServices } from "../support/services.ts"

apiSuite("postgresql", layerPostgresServices)
