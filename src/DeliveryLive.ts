import { Effect, Layer } from "effect"
import { provisionStreams } from "../programs/brokerTopology.ts"
import { watchMaxDeliveries } from "../programs/maxDeliveries.ts"
import { reconcile } from "../programs/reconcile.ts"
import { relayOutbox } from "../programs/relayOutbox.ts"
import { superviseActors } from "../programs/superviseActors.ts"

/**
 * Delivery in the background: once the broker's streams exist (retried while it is down), the outbox relay, the actor
 * supervisor, reconciliation and the max-deliveries backstop run until the layer's scope closes; closing it lets the
 * actors finish what they hold. Nothing here holds up the HTTP API.
 */
export const DeliveryLive = Layer.scopedDiscard(
  Effect.gen(function*() {
    yield* provisionStreams
    yield* Effect.forkScoped(relayOutbox)
    yield* Effect.forkScoped(Effect.scoped(superviseActors))
    yield* Effect.forkScoped(reconcile)
    yield* Effect.forkScoped(watchMaxDeliveries)
  }).pipe(Effect.forkScoped)
)
