import { Context, type Effect } from "effect"

/** Tells the company index that companies changed, so it can catch up before a job needs it. A hint, never relied upon. */
export class CompanyIndexSignal extends Context.Tag("CompanyIndexSignal")<CompanyIndexSignal, {
  /** Completes at the next notification, or at once when one came since the last call (never, where there are none). */
  readonly next: Effect.Effect<void>
}>() {}
