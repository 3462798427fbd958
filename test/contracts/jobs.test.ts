import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { jobContract } from "./jobs.contract.ts"

jobContract("memory", layerMemory)
jobContract("postgresql", layerFreshRepositories())
