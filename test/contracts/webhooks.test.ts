import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerFreshRepositories } from "../support/postgres.ts"
import { webhookContract } from "./webhooks.contract.ts"

webhookContract("memory", layerMemory)
webhookContract("postgresql", layerFreshRepositories())
