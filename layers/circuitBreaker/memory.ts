import { Clock, Duration, Effect, Layer } from "effect"
import { circuitProbeWait, nthDelay } from "../../src/Schedules.ts"
import { type CircuitBreaker, CircuitBreakers, type CircuitOptions, type Permit } from "../../src/services/CircuitBreaker.ts"

type Internal =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly until: number; readonly opened: number }
  | { readonly _tag: "HalfOpen"; readonly opened: number; readonly probing: boolean }

const GO: Permit = { _tag: "Go" }

/**
 * A circuit breaker in this process's memory, driven by `Clock`. Its state is a variable changed in single synchronous
 * steps, so that the hot path reads it without an effect.
 */
export const make = (options: CircuitOptions): Effect.Effect<CircuitBreaker> =>
  Effect.sync(() => {
    let state: Internal = options.initial === undefined
      ? { _tag: "Closed", failures: 0 }
      : { _tag: "Open", until: options.initial.until, opened: options.initial.opened }

    const open = (opened: number) =>
      Effect.gen(function*() {
        const wait = yield* nthDelay(options.cooldown, opened)
        const until = (yield* Clock.currentTimeMillis) + Duration.toMillis(wait)
        state = { _tag: "Open", until, opened }
        yield* Effect.logWarning("circuit opened").pipe(Effect.annotateLogs({ probe_in_ms: Duration.toMillis(wait) }))
        if (options.onOpen !== undefined) yield* options.onOpen(opened, until)
      })

    const permitAt = (now: number): Permit => {
      switch (state._tag) {
        case "Closed":
          return GO
        case "Open":
          if (now < state.until) return { _tag: "Wait", duration: Duration.millis(state.until - now) }
          state = { _tag: "HalfOpen", opened: state.opened, probing: true }
          return GO
        case "HalfOpen":
          if (state.probing) return { _tag: "Wait", duration: circuitProbeWait }
          state = { ...state, probing: true }
          return GO
      }
    }

    const waitAt = (now: number) =>
      state._tag === "Open"
        ? Math.max(0, state.until - now)
        : state._tag === "HalfOpen" && state.probing
        ? Duration.toMillis(circuitProbeWait)
        : 0

    const recordSuccess = Effect.suspend(() => {
      const before = state
      state = { _tag: "Closed", failures: 0 }
      return before._tag === "Closed" ? Effect.void : Effect.zipRight(Effect.logInfo("circuit closed"), options.onClose ?? Effect.void)
    })

    const recordFailure = Effect.suspend(() => {
      switch (state._tag) {
        case "Closed":
          if (state.failures + 1 >= options.threshold) return open(1)
          state = { _tag: "Closed", failures: state.failures + 1 }
          return Effect.void
        case "HalfOpen":
          return open(state.opened + 1)
        case "Open":
          return Effect.void
      }
    })

    const release = Effect.sync(() => {
      if (state._tag === "HalfOpen") state = { ...state, probing: false }
    })

    return {
      permit: Effect.clockWith((clock) => Effect.sync(() => permitAt(clock.unsafeCurrentTimeMillis()))),
      permitAt,
      waitAt,
      recordSuccess,
      recordFailure,
      release,
      state: () => (state._tag === "Closed" ? "closed" : state._tag === "Open" ? "open" : "half_open"),
      clear: () => state._tag === "Closed" && state.failures === 0
    }
  })

/** Circuit breakers in memory: each actor's is its own, shared across replicas through what `onOpen`/`onClose` record. */
export const layerMemory = Layer.succeed(CircuitBreakers, CircuitBreakers.of({ make }))
