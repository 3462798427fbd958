import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { mockLeadContract } from "./mockLeads.contract.ts"

mockLeadContract("memory", layerMemory)
mockLeadContract("postgresql", layerFreshRepositories())
