import { Context, type Effect } from "effect"

/** Wakes the outbox relay when events were written, so it need not wait for its next poll. A hint, never relied upon. */
export class OutboxSignal extends Context.Tag("OutboxSignal")<OutboxSignal, {
  /** Completes at the next notification, or at once when one came since the last call (never, where there are none). */
  readonly next: Effect.Effect<void>
}>() {}
