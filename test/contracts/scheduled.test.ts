import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { scheduledContract } from "./scheduled.contract.ts"

scheduledContract("memory", layerMemory)
scheduledContract("postgresql", layerFreshRepositories())
