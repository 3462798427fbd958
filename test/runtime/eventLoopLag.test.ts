import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { layer } from "../../src/EventLoopLag.ts"
import { EventLoopLag } from "../../src/services/EventLoopLag.ts"

const busyFor = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // keeps the thread from running timers, as a backlog of ready work does
  }
}

describe("event-loop lag", () => {
  it.live("rises when the thread is kept busy, and eases off once it is free", () =>
    Effect.gen(function*() {
      const lag = yield* EventLoopLag
      yield* Effect.sleep("200 millis")
      const idle = lag.current()
      busyFor(800)
      yield* Effect.sleep("100 millis")
      const behind = lag.current()
      // The probe fired ~750 ms late, a tenth of which enters the smoothed figure.
      expect(behind).toBeGreaterThan(idle + 20)
      yield* Effect.sleep("1500 millis")
      expect(lag.current()).toBeLessThan(behind)
    }).pipe(Effect.provide(layer)))
})
