import { Clock, Effect, Option } from "effect"
import type { Routing } from "../src/domain/job.ts"
import { now } from "../src/domain/time.ts"
import { boundedBy } from "../src/services/Providers.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { providerAccountOf } from "./providerAccount.ts"

/**
 * Cancels a delivered routing: at the provider where its API can cancel a lead (ServiceTitan dismisses the booking),
 * else here only, with a note saying so; either way recorded as an attempt. A provider that fails to answer fails the
 * cancellation (nothing changes here), so the caller can try again.
 */
export const cancelDelivered = Effect.fn("Routings.cancelDelivered")(function*(routing: Routing) {
  const { providerTimeout } = yield* DeliverySettings
  const started = yield* Clock.currentTimeMillis
  const target = yield* providerAccountOf(routing.companyId).pipe(Effect.option)
  const cancel = Option.flatMap(target, ({ client, account }) =>
    routing.externalId === null
      ? Option.none()
      : Option.map(client.cancelLead, (cancelLead) => cancelLead(account, routing.externalId!)))
  if (Option.isSome(cancel)) {
    yield* cancel.value.pipe(boundedBy(providerTimeout, { outcomeUnknown: false }))
  }
  const at = yield* now
  return yield* (yield* RoutingRepo).cancelDelivered(routing.id, {
    outcome: Option.isSome(cancel) ? "canceled_at_provider" : "canceled_locally",
    note: Option.isSome(cancel) ? null : "the provider cannot cancel a lead through its API; canceled here only",
    at,
    durationMs: at.getTime() - started
  })
})
