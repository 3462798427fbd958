import { Effect, Layer, Queue } from "effect"
import { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"
import { Db } from "./Db.ts"

/** The channel the company and technician triggers notify (migrations/0008). */
const CHANNEL = "company_index"

/**
 * Signals on PostgreSQL's NOTIFY. Notifications sent while the listening connection is down are lost, which is why the
 * index also checks the version before each use.
 */
export const layerListen = Layer.scoped(
  CompanyIndexSignal,
  Effect.gen(function*() {
    const { sql } = yield* Db
    const wakeups = yield* Queue.sliding<void>(1)
    yield* Effect.acquireRelease(
      Effect.tryPromise(() => sql.listen(CHANNEL, () => Queue.unsafeOffer(wakeups, undefined))).pipe(
        Effect.tapError((error) =>
          Effect.logWarning("cannot LISTEN for company changes; the version check alone keeps the index current").pipe(
            Effect.annotateLogs("error", String(error))
          )
        ),
        Effect.option
      ),
      (listening) =>
        listening._tag === "Some" ? Effect.promise(() => listening.value.unlisten()).pipe(Effect.ignore) : Effect.void
    )
    return CompanyIndexSignal.of({ next: Queue.take(wakeups) })
  })
)

/** No notifications (PGlite, where LISTEN does not work through the socket; memory storage): the version check alone. */
export const layerNone = Layer.succeed(CompanyIndexSignal, CompanyIndexSignal.of({ next: Effect.never }))
