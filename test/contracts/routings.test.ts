import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { routingContract } from "./routings.contract.ts"

routingContract("memory", layerMemory)
routingContract("postgresql", layerFreshRepositories())
