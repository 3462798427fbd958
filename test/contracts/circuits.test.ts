import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { circuitsContract } from "./circuits.contract.ts"

circuitsContract("memory", layerMemory)
circuitsContract("postgresql", layerFreshRepositories())
