import { Effect, Layer, Option } from "effect"
import { TechnicianRepo } from "../../../src/services/Companies.ts"
import { MemoryStore, stampTechnician } from "./store.ts"

/** Technicians in the memory store; what the PostgreSQL layer does. */
export const layerMemory = Layer.effect(
  TechnicianRepo,
  Effect.map(MemoryStore, (store) =>
    TechnicianRepo.of({
      insert: (t) =>
        Effect.sync(() => {
          store.state.technicians.set(t.id, t)
          stampTechnician(store.state, t.id)
        }),
      get: (id) => Effect.sync(() => Option.fromNullable(store.state.technicians.get(id)))
    }))
)
