import { layerMemory } from "../../layers/rateLimiter/memory.ts"
import { rateLimiterContract } from "./rateLimiter.contract.ts"

rateLimiterContract("memory", layerMemory)
