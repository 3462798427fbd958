import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { slaContract } from "./sla.contract.ts"

slaContract("memory", layerMemory)
slaContract("postgresql", layerFreshRepositories())
