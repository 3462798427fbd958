import { Clock, Duration, Effect, Ref, type Schedule } from "effect"
import { nthDelay } from "./Schedules.ts"

export type CircuitState = "closed" | "open" | "half_open"

/** Whether a call may go ahead now, or how long to wait first. */
export type Permit = { readonly _tag: "Go" } | { readonly _tag: "Wait"; readonly duration: Duration.Duration }

type Internal =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly until: number; readonly opened: number }
  | { readonly _tag: "HalfOpen"; readonly opened: number; readonly probing: boolean }

/** While another call probes a half-open circuit, the others look again after this long. */
const PROBE_WAIT = Duration.seconds(1)

export interface CircuitBreaker {
  /** Closed: go. Open: wait until the cooldown ends. Then half-open: one probe goes, the rest wait for its result. */
  readonly permit: Effect.Effect<Permit>
  /** How long until `permit` would let a call through; zero when it would now. Changes nothing. */
  readonly waitTime: Effect.Effect<Duration.Duration>
  readonly recordSuccess: Effect.Effect<void>
  /** Counts a failure; the `threshold`-th in a row opens the circuit, and a failed probe opens it again for longer. */
  readonly recordFailure: Effect.Effect<void>
  /** Gives back a permit whose call was not made: a half-open circuit lets the next call probe instead. */
  readonly release: Effect.Effect<void>
  readonly state: Effect.Effect<CircuitState>
  /** Closed, with no failure counted since the last success. */
  readonly clear: Effect.Effect<boolean>
}

/**
 * A circuit breaker for one company's provider, on `Ref` and `Clock` (so `TestClock` drives it). The waits before
 * successive probes follow `cooldown` (see `Schedules.circuitCooldown`).
 */
export const make = (options: {
  readonly threshold: number
  readonly cooldown: Schedule.Schedule<unknown, unknown>
}): Effect.Effect<CircuitBreaker> =>
  Effect.map(Ref.make<Internal>({ _tag: "Closed", failures: 0 }), (ref) => {
    const open = (opened: number) =>
      Effect.gen(function*() {
        const wait = yield* nthDelay(options.cooldown, opened)
        const now = yield* Clock.currentTimeMillis
        yield* Ref.set(ref, { _tag: "Open", until: now + Duration.toMillis(wait), opened })
        yield* Effect.logWarning("circuit opened").pipe(Effect.annotateLogs({ probe_in_ms: Duration.toMillis(wait) }))
      })

    const permit = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Ref.modify(ref, (state): [Permit, Internal] => {
        switch (state._tag) {
          case "Closed":
            return [{ _tag: "Go" }, state]
          case "Open":
            return now >= state.until
              ? [{ _tag: "Go" }, { _tag: "HalfOpen", opened: state.opened, probing: true }]
              : [{ _tag: "Wait", duration: Duration.millis(state.until - now) }, state]
          case "HalfOpen":
            return state.probing
              ? [{ _tag: "Wait", duration: PROBE_WAIT }, state]
              : [{ _tag: "Go" }, { ...state, probing: true }]
        }
      }))

    const waitTime = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.map(Ref.get(ref), (state) =>
        state._tag === "Open"
          ? Duration.millis(Math.max(0, state.until - now))
          : state._tag === "HalfOpen" && state.probing
          ? PROBE_WAIT
          : Duration.zero))

    const recordSuccess = Effect.flatMap(Ref.getAndSet(ref, { _tag: "Closed", failures: 0 }), (before) =>
      before._tag === "Closed" ? Effect.void : Effect.logInfo("circuit closed"))

    const recordFailure = Effect.flatMap(Ref.get(ref), (state) => {
      switch (state._tag) {
        case "Closed":
          return state.failures + 1 >= options.threshold
            ? open(1)
            : Ref.set(ref, { _tag: "Closed", failures: state.failures + 1 })
        case "HalfOpen":
          return open(state.opened + 1)
        case "Open":
          return Effect.void
      }
    })

    const release = Ref.update(ref, (s): Internal => (s._tag === "HalfOpen" ? { ...s, probing: false } : s))

    const state = Effect.map(Ref.get(ref), (s): CircuitState =>
      s._tag === "Closed" ? "closed" : s._tag === "Open" ? "open" : "half_open")

    const clear = Effect.map(Ref.get(ref), (s) => s._tag === "Closed" && s.failures === 0)

    return { permit, waitTime, recordSuccess, recordFailure, release, state, clear }
  })
