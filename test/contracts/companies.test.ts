import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { companyContract } from "./companies.contract.ts"

companyContract("memory", layerMemory)
companyContract("postgresql", layerFreshRepositories())
