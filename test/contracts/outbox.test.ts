import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { outboxContract } from "./outbox.contract.ts"

outboxContract("memory", layerMemory)
outboxContract("postgresql", layerFreshRepositories())
