import { Effect } from "effect"
import { messageKeepAlive } from "../src/Schedules.ts"
import type { Delivery } from "../src/services/Broker.ts"

/** Tells the broker, for as long as it runs, that each message `messages` answers then is still being worked on. */
export const keepAllAlive = (messages: () => ReadonlyArray<Delivery>): Effect.Effect<never> =>
  Effect.suspend(() => Effect.forEach(messages(), (m) => Effect.ignore(m.working), { discard: true })).pipe(
    Effect.schedule(messageKeepAlive),
    Effect.forever
  )
