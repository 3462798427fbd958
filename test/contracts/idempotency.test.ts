import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { idempotencyContract } from "./idempotency.contract.ts"

idempotencyContract("memory", layerMemory)
idempotencyContract("postgresql", layerFreshRepositories())
