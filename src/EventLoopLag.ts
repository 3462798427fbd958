import { Effect, Layer } from "effect"
import { EventLoopLag } from "./services/EventLoopLag.ts"

/** How often a timer is set to see how late it fires. */
const PROBE_MS = 50

/** Weight of each new probe in the smoothed lag: with a probe every 50 ms, about the last second counts. */
const SMOOTHING = 0.1

/**
 * Measures the event loop's lag with a timer that should fire every `PROBE_MS` (plain timers, so it runs on Node and on
 * Deno alike): how much later it fires is how long ready work kept the thread busy. Smoothed, so that one garbage
 * collection pause does not count as being behind.
 */
export const layer = Layer.scoped(
  EventLoopLag,
  Effect.gen(function*() {
    let lag = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const probe = () => {
      const expected = performance.now() + PROBE_MS
      timer = setTimeout(() => {
        lag += SMOOTHING * (Math.max(0, performance.now() - expected) - lag)
        probe()
      }, PROBE_MS)
    }
    yield* Effect.acquireRelease(Effect.sync(probe), () => Effect.sync(() => clearTimeout(timer)))
    return EventLoopLag.of({ current: () => lag })
  })
)
