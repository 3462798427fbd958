import { Clock, Effect, Layer } from "effect"
import type { CompanyId } from "../../src/domain/ids.ts"
import { type ActorStatus, ActorRegistry } from "../../src/services/Actors.ts"

/**
 * The registry of this process's actors, in memory: each actor's status is read from the actor when the registry is
 * read (an admin page, a metrics scrape), so a delivery costs the registry nothing.
 */
export const layer = Layer.sync(ActorRegistry, () => {
  const statuses = new Map<CompanyId, (now: number) => ActorStatus>()
  return ActorRegistry.of({
    register: (companyId, status) => Effect.sync(() => void statuses.set(companyId, status)),
    remove: (companyId) => Effect.sync(() => void statuses.delete(companyId)),
    all: Effect.map(Clock.currentTimeMillis, (now) => Array.from(statuses.values(), (status) => status(now)))
  })
})
