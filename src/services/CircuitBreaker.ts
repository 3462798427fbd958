import { Context, type Duration, type Effect, type Schedule } from "effect"

/** A circuit's state as `/admin/workers` and the metrics show it. */
export type CircuitState = "closed" | "open" | "half_open"

/** Whether a call may go ahead now, or how long to wait first. */
export type Permit = { readonly _tag: "Go" } | { readonly _tag: "Wait"; readonly duration: Duration.Duration }

/** One company's circuit breaker: its state changes in single synchronous steps, so the hot path reads it without an effect. */
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

/** How a company's circuit breaker is made. */
export interface CircuitOptions {
  /** Failures in a row that open the circuit. */
  readonly threshold: number
  /** The waits before successive probes (see `Schedules.circuitCooldown`). */
  readonly cooldown: Schedule.Schedule<unknown, unknown>
  /** Starts open, as another replica or an earlier life left it: its how-manieth opening, and its end (epoch ms). */
  readonly initial?: { readonly opened: number; readonly until: number } | undefined
  /** Runs at each opening, with the opening's number and end (epoch milliseconds), to record it. */
  readonly onOpen?: (opened: number, until: number) => Effect.Effect<void>
  /** Runs when an open or half-open circuit closes. */
  readonly onClose?: Effect.Effect<void>
}

/** Makes the circuit breakers of the companies' actors, their time read through `Clock` (so `TestClock` drives them). */
export class CircuitBreakers extends Context.Tag("CircuitBreakers")<CircuitBreakers, {
  /** A new circuit breaker, closed unless `initial` says it is open. */
  readonly make: (options: CircuitOptions) => Effect.Effect<CircuitBreaker>
}>() {}
