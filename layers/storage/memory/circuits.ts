import { Effect } from "effect"
import { CircuitStore } from "../../../src/services/Circuits.ts"
import { repository } from "./store.ts"

/** Open circuits in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(CircuitStore, (store) =>
  CircuitStore.of({
    // The store's state is read at each call: a failed transaction puts back another object.
    opened: (circuit) => Effect.sync(() => void store.state.openCircuits.set(circuit.companyId, circuit)),
    closed: (companyId) => Effect.sync(() => void store.state.openCircuits.delete(companyId)),
    open: Effect.sync(() => [...store.state.openCircuits.values()])
  }))
