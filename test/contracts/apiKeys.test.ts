import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { apiKeyContract } from "./apiKeys.contract.ts"

apiKeyContract("memory", layerMemory)
apiKeyContract("postgresql", layerFreshRepositories())
