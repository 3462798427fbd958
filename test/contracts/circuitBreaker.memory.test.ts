import { layerMemory } from "../../layers/circuitBreaker/memory.ts"
import { circuitBreakerContract } from "./circuitBreaker.contract.ts"

circuitBreakerContract("memory", layerMemory)
