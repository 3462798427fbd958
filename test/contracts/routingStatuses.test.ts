import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { routingStatusContract } from "./routingStatuses.contract.ts"

routingStatusContract("memory", layerMemory)
routingStatusContract("postgresql", layerFreshRepositories())
