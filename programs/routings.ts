import { Effect, Option } from "effect"
import { jobAsSeenBy, seesProviderDetails } from "../src/domain/access.ts"
import { actsFor } from "../src/domain/principal.ts"
import { Conflict, Forbidden, NotFound } from "../src/domain/errors.ts"
import type { RoutingId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { requireAdmin } from "./access.ts"
import { cancelDelivered } from "./cancelDelivered.ts"
import { requeueFailed } from "./deadLetters.ts"

/**
 * The routing as the caller may see it (the admin, the creating company, or the receiving company), with its job as
 * the caller may see it (see `jobAsSeenBy`).
 */
const visibleRouting = (id: RoutingId) =>
  Effect.gen(function*() {
    const principal = yield* CurrentPrincipal
    const found = yield* (yield* RoutingRepo).get(id)
    const job = Option.isSome(found) ? jobAsSeenBy(principal, found.value.job) : undefined
    const routing = job?.routings.find((r) => r.id === id)
    if (job === undefined || routing === undefined) return yield* new NotFound({ resource: "routing", id })
    return { job, routing }
  })

/** The routing with every provider call made for it; the calls' errors only to the admin and the receiving company. */
export const getRouting = Effect.fn("Routings.get")(function*(id: RoutingId) {
  const { routing, job } = yield* visibleRouting(id)
  const attempts = yield* (yield* RoutingRepo).attempts(id)
  const details = seesProviderDetails(yield* CurrentPrincipal, routing)
  return { routing, job, attempts: details ? attempts : attempts.map((a) => ({ ...a, error: null })) }
})

/** A `failed` routing goes back to `pending` and is delivered again (admin). */
export const retryRouting = Effect.fn("Routings.retry")(function*(id: RoutingId) {
  yield* requireAdmin
  yield* requeueFailed(id)
  return yield* getRouting(id)
})

/** Provider states in which a delivered lead is work under way or done: it is not dismissed then. */
const UNDER_WAY: ReadonlyArray<string | null> = ["in_progress", "completed"]

/**
 * Cancels a routing. One not delivered yet (admin, or the company that created the job) never reaches its provider.
 * One delivered is dismissed only on an admin's request, and never while its provider reports it in progress or
 * completed: at the provider where its API allows, else here only with a note in its attempts.
 */
export const cancelRouting = Effect.fn("Routings.cancel")(function*(id: RoutingId) {
  const principal = yield* CurrentPrincipal
  const { job, routing } = yield* visibleRouting(id)
  if (!actsFor(principal, job.createdByCompanyId)) {
    return yield* new Forbidden({ message: "only the admin or the company that created the job may cancel its routings" })
  }
  if (routing.syncStatus === "synced") {
    if (principal.role !== "admin") {
      return yield* new Forbidden({ message: "a delivered routing is dismissed at its provider only by an admin" })
    }
    if (UNDER_WAY.includes(routing.externalStatus)) {
      return yield* new Conflict({ message: `the provider reports the lead ${routing.externalStatus}; it is not dismissed` })
    }
  }
  const canceled = routing.syncStatus === "canceled" ||
    (routing.syncStatus === "synced" ? yield* cancelDelivered(routing) : yield* (yield* RoutingRepo).cancel(id, yield* now))
  if (!canceled) {
    return yield* new Conflict({ message: `routing is ${routing.syncStatus}; it cannot be canceled here` })
  }
  yield* Effect.logInfo("routing canceled").pipe(Effect.annotateLogs({ routing_id: id }))
  return yield* getRouting(id)
})
