import { Effect, Option } from "effect"
import { TechnicianRepo } from "../../../src/services/Companies.ts"
import { repository, stampTechnician } from "./store.ts"

/** Technicians in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(TechnicianRepo, (store) =>
  TechnicianRepo.of({
    insert: (t) =>
      Effect.sync(() => {
        store.state.technicians.set(t.id, t)
        stampTechnician(store.state, t.id)
      }),
    get: (id) => Effect.sync(() => Option.fromNullable(store.state.technicians.get(id)))
  }))
