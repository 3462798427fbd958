import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { bulkRetryContract } from "./bulkRetry.contract.ts"

bulkRetryContract("memory", layerMemory)
bulkRetryContract("postgresql", layerFreshRepositories())
