import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Random, TestClock } from "effect"
import * as CircuitBreaker from "../../src/CircuitBreaker.ts"
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

describe("circuit breaker (TestClock)", () => {
  const make = CircuitBreaker.make({ threshold: 5, cooldown: circuitCooldown(Duration.seconds(30)) })

  it.effect("opens after 5 consecutive failures; a success in between resets the count", () =>
    Effect.gen(function*() {
      const circuit = yield* make
      for (let i = 0; i < 4; i++) yield* circuit.recordFailure
      yield* circuit.recordSuccess
      for (let i = 0; i < 4; i++) yield* circuit.recordFailure
      expect(circuit.state()).toBe("closed")
      expect((yield* circuit.permit)._tag).toBe("Go")
      yield* circuit.recordFailure
      expect(circuit.state()).toBe("open")
      expect(yield* circuit.permit).toEqual({ _tag: "Wait", duration: Duration.millis(30_000) })
    }))

  it.effect("lets one probe through after the cooldown; its success closes, its failure reopens for longer", () =>
    Effect.gen(function*() {
      const circuit = yield* make
      for (let i = 0; i < 5; i++) yield* circuit.recordFailure
      yield* TestClock.adjust("29 seconds")
      expect((yield* circuit.permit)._tag).toBe("Wait")
      expect(circuit.waitAt(yield* Clock.currentTimeMillis)).toBe(1000)
      yield* TestClock.adjust("1 second")
      expect(circuit.waitAt(yield* Clock.currentTimeMillis)).toBe(0)
      expect((yield* circuit.permit)._tag).toBe("Go")
      expect(circuit.state()).toBe("half_open")
      expect((yield* circuit.permit)._tag).toBe("Wait")
      yield* circuit.recordFailure
      expect(circuit.state()).toBe("open")
      expect(yield* circuit.permit).toEqual({ _tag: "Wait", duration: Duration.millis(60_000) })
      yield* TestClock.adjust("60 seconds")
      expect((yield* circuit.permit)._tag).toBe("Go")
      yield* circuit.recordSuccess
      expect(circuit.state()).toBe("closed")
      expect((yield* circuit.permit)._tag).toBe("Go")
    }))

  it.effect("a probe given back unused leaves the circuit half open for the next call, not closed", () =>
    Effect.gen(function*() {
      const circuit = yield* make
      for (let i = 0; i < 5; i++) yield* circuit.recordFailure
      yield* TestClock.adjust("30 seconds")
      expect((yield* circuit.permit)._tag).toBe("Go")
      yield* circuit.release
      expect(circuit.state()).toBe("half_open")
      expect((yield* circuit.permit)._tag).toBe("Go")
      expect((yield* circuit.permit)._tag).toBe("Wait")
    }))

  it.effect("is clear only while closed with no failure since the last success", () =>
    Effect.gen(function*() {
      const circuit = yield* make
      expect(circuit.clear()).toBe(true)
      yield* circuit.recordFailure
      expect(circuit.state()).toBe("closed")
      expect(circuit.clear()).toBe(false)
      yield* circuit.recordSuccess
      expect(circuit.clear()).toBe(true)
    }))
})

describe("circuit breaker carried over (TestClock)", () => {
  it.effect("reports each opening and the closing; one started where another left it goes on from there", () =>
    Effect.gen(function*() {
      const recorded: Array<string> = []
      const hooks = {
        onOpen: (opened: number, until: number) => Effect.sync(() => void recorded.push(`open ${opened} until ${until}`)),
        onClose: Effect.sync(() => void recorded.push("closed"))
      }
      const first = yield* CircuitBreaker.make({ threshold: 5, cooldown: circuitCooldown(Duration.seconds(30)), ...hooks })
      for (let i = 0; i < 5; i++) yield* first.recordFailure
      yield* TestClock.adjust("30 seconds")
      yield* first.permit
      yield* first.recordFailure
      expect(recorded).toEqual(["open 1 until 30000", "open 2 until 90000"])

      // Another life of the company's circuit (a new owner), from what was recorded: open until then, and a failed
      // probe opens it for the third cooldown, not the first.
      const next = yield* CircuitBreaker.make({
        threshold: 5,
        cooldown: circuitCooldown(Duration.seconds(30)),
        initial: { opened: 2, until: 90_000 },
        ...hooks
      })
      expect(next.state()).toBe("open")
      expect(yield* next.permit).toEqual({ _tag: "Wait", duration: Duration.millis(60_000) })
      yield* TestClock.adjust("60 seconds")
      expect((yield* next.permit)._tag).toBe("Go")
      yield* next.recordFailure
      expect(yield* next.permit).toEqual({ _tag: "Wait", duration: Duration.millis(120_000) })
      yield* TestClock.adjust("120 seconds")
      yield* next.permit
      yield* next.recordSuccess
      expect(next.state()).toBe("closed")
      expect(recorded.slice(2)).toEqual(["open 3 until 210000", "closed"])
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
