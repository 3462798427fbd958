import { Effect, Layer } from "effect"
import { CircuitStore } from "../../../src/services/Circuits.ts"
import { MemoryStore } from "./store.ts"

/** Open circuits in the memory store; what the PostgreSQL layer does. */
export const layerCircuits = Layer.effect(
  CircuitStore,
  Effect.map(MemoryStore, ({ state }) =>
    CircuitStore.of({
      opened: (circuit) => Effect.sync(() => void state.openCircuits.set(circuit.companyId, circuit)),
      closed: (companyId) => Effect.sync(() => void state.openCircuits.delete(companyId)),
      open: Effect.sync(() => [...state.openCircuits.values()])
    }))
)
