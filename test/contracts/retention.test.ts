import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { retentionContract } from "./retention.contract.ts"

retentionContract("memory", layerMemory)
retentionContract("postgresql", layerFreshRepositories({ max: 4 }))
