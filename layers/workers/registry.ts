import { Effect, Layer, Ref } from "effect"
import type { CompanyId } from "../../src/domain/ids.ts"
import { type WorkerStatus, WorkerRegistry } from "../../src/services/Workers.ts"

/** The registry of this process's actors, in memory. */
export const layer = Layer.effect(
  WorkerRegistry,
  Effect.map(Ref.make(new Map<CompanyId, WorkerStatus>()), (ref) =>
    WorkerRegistry.of({
      set: (status) => Ref.update(ref, (m) => new Map(m).set(status.companyId, status)),
      update: (companyId, f) =>
        Ref.update(ref, (m) => {
          const current = m.get(companyId)
          return current === undefined ? m : new Map(m).set(companyId, f(current))
        }),
      remove: (companyId) =>
        Ref.update(ref, (m) => {
          const next = new Map(m)
          next.delete(companyId)
          return next
        }),
      all: Effect.map(Ref.get(ref), (m) => Array.from(m.values()))
    }))
)
