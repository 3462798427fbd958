import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { transactionContract } from "./transactions.contract.ts"

transactionContract("memory", layerMemory)
transactionContract("postgresql", layerFreshRepositories())
