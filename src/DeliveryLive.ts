import { Effect, Layer } from "effect"
import { watchAlerts } from "../programs/alertsWatch.ts"
import { archiveSchedule } from "../programs/archive.ts"
import { provisionStreams } from "../programs/brokerTopology.ts"
import { watchMaxDeliveries } from "../programs/maxDeliveries.ts"
import { reconcile } from "../programs/reconcile.ts"
import { retentionSchedule } from "../programs/retention.ts"
import { relayOutbox } from "../programs/relayOutbox.ts"
import { watchSlaBreaches } from "../programs/sla.ts"
import { startDelivery } from "../programs/deliveryRuntime.ts"
import { deliverWebhooks } from "../programs/deliverWebhooks.ts"
import { fanOutWebhooks } from "../programs/webhookFanOut.ts"
import { untraced } from "./Telemetry.ts"

/**
 * Delivery in the background: the SLA breach watcher and the alerts watcher at once (it needs only storage, and a broker outage is when
 * breaches happen), then, once the broker's streams exist (retried while it is down), the outbox relay, the partition
 * runners with their company actors, then (once the runtime knows the companies) reconciliation and the max-deliveries
 * backstop run until the layer's scope closes; closing it lets the actors finish what they hold. Nothing here holds up the HTTP API. The daily archive run and the hourly retention sweep,
 * which need only storage, are scheduled at once beside them. Webhooks run apart from lead delivery: the sender (storage only) at once, the fan-out
 * from the events stream once the streams exist. All of it runs untraced, so that polling makes no traces; the work on
 * a message, a webhook or a status poll says which trace it belongs to.
 */
export const DeliveryLive = Layer.scopedDiscard(
  Effect.gen(function*() {
    yield* Effect.forkScoped(watchSlaBreaches)
    yield* Effect.forkScoped(watchAlerts)
    yield* Effect.forkScoped(archiveSchedule)
    yield* Effect.forkScoped(retentionSchedule)
    yield* Effect.forkScoped(deliverWebhooks)
    yield* provisionStreams
    yield* Effect.forkScoped(relayOutbox)
    yield* startDelivery
    yield* Effect.forkScoped(reconcile)
    yield* Effect.forkScoped(watchMaxDeliveries)
    yield* Effect.forkScoped(fanOutWebhooks)
  }).pipe(untraced, Effect.forkScoped)
)
