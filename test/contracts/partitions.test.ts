import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { partitionsContract } from "./partitions.contract.ts"

partitionsContract("memory", layerMemory)
partitionsContract("postgresql", layerFreshRepositories())
