import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { alertsContract } from "./alerts.contract.ts"

alertsContract("memory", layerMemory)
alertsContract("postgresql", layerFreshRepositories())
