import { Effect, Layer } from "effect"
import type { CompanyId } from "../../src/domain/ids.ts"
import { type WorkerStatus, WorkerRegistry } from "../../src/services/Workers.ts"

/**
 * The registry of this process's actors, in memory. A map changed in place (each change is one synchronous step, so
 * none is lost): a delivery updates its company's entry several times, and copying a map of every company for each
 * update made a delivery's cost grow with the fleet.
 */
export const layer = Layer.sync(WorkerRegistry, () => {
  const statuses = new Map<CompanyId, WorkerStatus>()
  return WorkerRegistry.of({
    set: (status) => Effect.sync(() => void statuses.set(status.companyId, status)),
    update: (companyId, f) =>
      Effect.sync(() => {
        const current = statuses.get(companyId)
        if (current !== undefined) statuses.set(companyId, f(current))
      }),
    remove: (companyId) => Effect.sync(() => void statuses.delete(companyId)),
    all: Effect.sync(() => Array.from(statuses.values()))
  })
})
