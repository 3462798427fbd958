import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Random, TestClock } from "effect"
import { attemptBackoff, circuitCooldown, dailyAt, nthDelay, startupConnectRetry } from "../../src/Schedules.ts"

const ms = (d: Duration.Duration) => Duration.toMillis(d)

describe("schedules", () => {
  it.effect("attemptBackoff (routings): from 1 s, doubling, within ±25 %, capped at 5 minutes", () =>
    Effect.gen(function*() {
      const schedule = attemptBackoff(Duration.seconds(1), Duration.minutes(5))
      const at = (random: number, n: number) => nthDelay(schedule, n).pipe(Effect.withRandom(Random.fixed([random])))
      for (let n = 1; n <= 12; n++) {
        const base = 1000 * 2 ** (n - 1)
        expect(ms(yield* at(0, n))).toBe(Math.min(base * 0.75, 300_000))
        expect(ms(yield* at(0.5, n))).toBe(Math.min(base, 300_000))
        expect(ms(yield* at(0.999999, n))).toBeCloseTo(Math.min(base * 1.25, 300_000), -1)
      }
    }))

  it.effect("attemptBackoff (webhooks): from 1 s, doubling, within ±25 %, capped at 1 hour", () =>
    Effect.gen(function*() {
      const schedule = attemptBackoff(Duration.seconds(1), Duration.hours(1))
      const at = (random: number, n: number) => nthDelay(schedule, n).pipe(Effect.withRandom(Random.fixed([random])))
      for (let n = 1; n <= 16; n++) {
        const base = 1000 * 2 ** (n - 1)
        expect(ms(yield* at(0, n))).toBe(Math.min(base * 0.75, 3_600_000))
        expect(ms(yield* at(0.5, n))).toBe(Math.min(base, 3_600_000))
      }
    }))

  it.effect("circuit cooldowns double from the configured one, capped at 5 minutes", () =>
    Effect.gen(function*() {
      const cooldowns = yield* Effect.forEach([1, 2, 3, 4, 5], (n) => nthDelay(circuitCooldown(Duration.seconds(30)), n))
      expect(cooldowns.map(ms)).toEqual([30_000, 60_000, 120_000, 240_000, 300_000])
    }))

  it.effect("start-up retries back off to 5 s and give up after about a minute", () =>
    Effect.gen(function*() {
      const delays = yield* Effect.forEach(Array.from({ length: 15 }, (_, i) => i + 1), (n) => nthDelay(startupConnectRetry, n))
      expect(delays.slice(0, 5).map(ms)).toEqual([200, 400, 800, 1600, 3200])
      expect(delays.slice(5).every((d) => ms(d) === 5000)).toBe(true)
    }))
})

describe("daily schedules (TestClock)", () => {
  it.effect("dailyAt recurs every day at the time given, in UTC, first at the next such time", () =>
    Effect.gen(function*() {
      const runs: Array<string> = []
      yield* TestClock.setTime(Date.parse("2026-03-07T05:00:00Z"))
      const fiber = yield* Clock.currentTimeMillis.pipe(
        Effect.tap((t) => Effect.sync(() => runs.push(new Date(t).toISOString()))),
        Effect.schedule(dailyAt({ hour: 4, minute: 0 })),
        Effect.fork
      )
      yield* TestClock.adjust("3 days")
      expect(runs).toEqual(["2026-03-08T04:00:00.000Z", "2026-03-09T04:00:00.000Z", "2026-03-10T04:00:00.000Z"])
      yield* Fiber.interrupt(fiber)
    }))
})
