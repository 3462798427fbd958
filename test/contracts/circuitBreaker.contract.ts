import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, type Layer, TestClock } from "effect"
import { circuitCooldown, circuitProbeWait } from "../../src/Schedules.ts"
import { CircuitBreakers, type CircuitOptions } from "../../src/services/CircuitBreaker.ts"

/** Opens at the fifth failure in a row; probes after 30 s, then 60 s, 120 s … */
const fiveIn30s = { threshold: 5, cooldown: circuitCooldown(Duration.seconds(30)) }

/**
 * What every circuit breaker implementation does, under `TestClock`: closed until `threshold` failures in a row, then
 * open until its cooldown ends, then half-open with one probe at a time, closed by the probe's success or opened again
 * for the next cooldown by its failure; each opening and the closing reported, and a breaker started open goes on.
 */
export const circuitBreakerContract = <E>(name: string, layer: Layer.Layer<CircuitBreakers, E>) =>
  describe(`circuit breaker: ${name} (TestClock)`, () => {
    const make = (options: CircuitOptions) => Effect.flatMap(CircuitBreakers, (breakers) => breakers.make(options)).pipe(Effect.provide(layer))

    it.effect("opens after 5 consecutive failures; a success in between resets the count", () =>
      Effect.gen(function*() {
        const circuit = yield* make(fiveIn30s)
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
        const circuit = yield* make(fiveIn30s)
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
        const circuit = yield* make(fiveIn30s)
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
        const circuit = yield* make(fiveIn30s)
        expect(circuit.clear()).toBe(true)
        yield* circuit.recordFailure
        expect(circuit.state()).toBe("closed")
        expect(circuit.clear()).toBe(false)
        yield* circuit.recordSuccess
        expect(circuit.clear()).toBe(true)
      }))
    it.effect("reports each opening and the closing; one started where another left it goes on from there", () =>
      Effect.gen(function*() {
        const recorded: Array<string> = []
        const hooks = {
          onOpen: (opened: number, until: number) => Effect.sync(() => void recorded.push(`open ${opened} until ${until}`)),
          onClose: Effect.sync(() => void recorded.push("closed"))
        }
        const first = yield* make({ ...fiveIn30s, ...hooks })
        for (let i = 0; i < 5; i++) yield* first.recordFailure
        yield* TestClock.adjust("30 seconds")
        yield* first.permit
        yield* first.recordFailure
        expect(recorded).toEqual(["open 1 until 30000", "open 2 until 90000"])

        // Another life of the company's circuit (a new owner), from what was recorded: open until then, and a failed
        // probe opens it for the third cooldown, not the first.
        const next = yield* make({ ...fiveIn30s, initial: { opened: 2, until: 90_000 }, ...hooks })
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

    it.effect("while a probe is out, the other calls wait `circuitProbeWait` and look again", () =>
      Effect.gen(function*() {
        const circuit = yield* make(fiveIn30s)
        for (let i = 0; i < 5; i++) yield* circuit.recordFailure
        yield* TestClock.adjust("30 seconds")
        expect((yield* circuit.permit)._tag).toBe("Go")
        expect(yield* circuit.permit).toEqual({ _tag: "Wait", duration: circuitProbeWait })
        expect(circuit.waitAt(yield* Clock.currentTimeMillis)).toBe(Duration.toMillis(circuitProbeWait))
      }))
  })
