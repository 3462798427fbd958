import { Effect, Layer, Queue } from "effect"
import { OutboxSignal } from "../../src/services/OutboxSignal.ts"
import { Db } from "./Db.ts"

/** The channel the `outbox_events` insert trigger notifies (migrations/0002). */
const CHANNEL = "outbox_events"

/**
 * Wakes the relay on PostgreSQL's NOTIFY. Notifications sent while the listening connection is down are lost, which is
 * why the relay also polls.
 */
export const layerListen = Layer.scoped(
  OutboxSignal,
  Effect.gen(function*() {
    const { sql } = yield* Db
    const wakeups = yield* Queue.sliding<void>(1)
    yield* Effect.acquireRelease(
      Effect.tryPromise(() => sql.listen(CHANNEL, () => Queue.unsafeOffer(wakeups, undefined))).pipe(
        Effect.tapError((error) => Effect.logWarning("cannot LISTEN for outbox events; polling only").pipe(
          Effect.annotateLogs("error", String(error))
        )),
        Effect.option
      ),
      (listening) =>
        listening._tag === "Some" ? Effect.promise(() => listening.value.unlisten()).pipe(Effect.ignore) : Effect.void
    )
    return OutboxSignal.of({ next: Queue.take(wakeups) })
  })
)

/** No notifications (PGlite, where LISTEN does not work through the socket): the relay polls. */
export const layerPollOnly = Layer.succeed(OutboxSignal, OutboxSignal.of({ next: Effect.never }))
