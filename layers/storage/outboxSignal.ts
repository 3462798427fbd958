import { Effect, Layer } from "effect"
import { OutboxSignal } from "../../src/services/OutboxSignal.ts"
import { notifications } from "./notifications.ts"

/** The channel the `outbox_events` insert trigger notifies (migrations/0002). */
const CHANNEL = "outbox_events"

/**
 * Wakes the relay on PostgreSQL's NOTIFY. Notifications sent while the listening connection is down are lost, which is
 * why the relay also polls.
 */
export const layerListen = Layer.scoped(
  OutboxSignal,
  Effect.map(notifications(CHANNEL, "cannot LISTEN for outbox events; polling only"), (next) => OutboxSignal.of({ next }))
)

/** No notifications (PGlite, where LISTEN does not work through the socket): the relay polls. */
export const layerPollOnly = Layer.succeed(OutboxSignal, OutboxSignal.of({ next: Effect.never }))
