import { Context } from "effect"

/** How late this process runs its timers now: a measure of how far behind its one JavaScript thread is. */
export class EventLoopLag extends Context.Tag("EventLoopLag")<EventLoopLag, {
  /** Milliseconds, smoothed over about the last second. */
  readonly current: () => number
}>() {}
