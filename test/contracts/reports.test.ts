import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { reportsContract } from "./reports.contract.ts"

reportsContract("memory", layerMemory)
reportsContract("postgresql", layerFreshRepositories())
