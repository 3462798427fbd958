import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { companyIndexContract } from "./companyIndex.contract.ts"

companyIndexContract("memory", layerMemory)
companyIndexContract("postgresql", layerFreshRepositories())
