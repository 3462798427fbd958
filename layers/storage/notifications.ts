import { Effect, Queue } from "effect"
import { Db } from "./Db.ts"

/**
 * Takes the next NOTIFY on `channel` (notifications that came meanwhile count as one), listening for as long as the
 * scope lasts. When LISTEN is refused, `fallback` is logged and the signal never comes.
 */
export const notifications = (channel: string, fallback: string) =>
  Effect.gen(function*() {
    const { sql } = yield* Db
    const wakeups = yield* Queue.sliding<void>(1)
    yield* Effect.acquireRelease(
      Effect.tryPromise(() => sql.listen(channel, () => Queue.unsafeOffer(wakeups, undefined))).pipe(
        Effect.tapError((error) => Effect.logWarning(fallback).pipe(Effect.annotateLogs("error", String(error)))),
        Effect.option
      ),
      (listening) =>
        listening._tag === "Some" ? Effect.promise(() => listening.value.unlisten()).pipe(Effect.ignore) : Effect.void
    )
    return Queue.take(wakeups)
  })
