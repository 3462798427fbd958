import { Clock, Duration, Effect, type Schedule } from "effect"
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

const GO: Permit = { _tag: "Go" }

export interface CircuitBreaker {
  /** Closed: go. Open: wait until the cooldown ends. Then half-open: one probe goes, the rest wait for its result. */
  readonly permit: Effect.Effect<Permit>
  /** `permit` at `now` (epoch milliseconds), for a caller that has read the clock already. */
  readonly permitAt: (now: number) => Permit
  /** How long, in milliseconds, until `permit` would let a call through at `now`; zero when it would. Changes nothing. */
  readonly waitAt: (now: number) => number
  readonly recordSuccess: Effect.Effect<void>
  /** Counts a failure; the `threshold`-th in a row opens the circuit, and a failed probe opens it again for longer. */
  readonly recordFailure: Effect.Effect<void>
  /** Gives back a permit whose call was not made: a half-open circuit lets the next call probe instead. */
  readonly release: Effect.Effect<void>
  readonly state: () => CircuitState
  /** Closed, with no failure counted since the last success. */
  readonly clear: () => boolean
}

/**
 * A circuit breaker for one company's provider, driven by `Clock` (so `TestClock` drives it). Its state is a variable
 * changed in single synchronous steps, so that the hot path reads it without an effect. The waits before successive
 * probes follow `cooldown` (see `Schedules.circuitCooldown`).
 */
export const make = (options: {
  readonly threshold: number
  readonly cooldown: Schedule.Schedule<unknown, unknown>
  /** Starts open, as another replica or an earlier life left it: its how-manieth opening, and its end (epoch ms). */
  readonly initial?: { readonly opened: number; readonly until: number } | undefined
  /** Runs at each opening, with the opening's number and end (epoch milliseconds), to record it. */
  readonly onOpen?: (opened: number, until: number) => Effect.Effect<void>
  /** Runs when an open or half-open circuit closes. */
  readonly onClose?: Effect.Effect<void>
}): Effect.Effect<CircuitBreaker> =>
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
          if (state.probing) return { _tag: "Wait", duration: PROBE_WAIT }
          state = { ...state, probing: true }
          return GO
      }
    }

    const waitAt = (now: number) =>
      state._tag === "Open"
        ? Math.max(0, state.until - now)
        : state._tag === "HalfOpen" && state.probing
        ? Duration.toMillis(PROBE_WAIT)
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
