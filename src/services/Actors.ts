import { Context, type Effect } from "effect"
import type { CompanyId } from "../domain/ids.ts"
import type { CircuitState } from "./CircuitBreaker.ts"
import type { DeliveryTarget } from "./Companies.ts"

/** What one company's actor in this process is doing, for `/admin/workers`. */
export interface ActorStatus {
  readonly companyId: CompanyId
  readonly consumer: string
  /** An operator paused delivery to the company. */
  readonly paused: boolean
  /** The provider answered 429: no pulling until then. */
  readonly rateLimitedUntil: Date | null
  readonly inFlight: number
  /** Messages the actor holds for its next batch. */
  readonly held: number
  readonly circuit: CircuitState
  /** Provider calls the company's rate limit allows right now. */
  readonly tokens: number | null
  readonly lastError: string | null
}

/** The actors running in this process and their state. */
export class ActorRegistry extends Context.Tag("ActorRegistry")<ActorRegistry, {
  /**
   * Registers the company's actor; `status` is read (with the time, in epoch milliseconds) whenever the registry is, so
   * the actor never has to report.
   */
  readonly register: (companyId: CompanyId, status: (now: number) => ActorStatus) => Effect.Effect<void>
  readonly remove: (companyId: CompanyId) => Effect.Effect<void>
  readonly all: Effect.Effect<ReadonlyArray<ActorStatus>>
}>() {}

/**
 * The companies this process delivers to, with their delivery settings as last read from storage. A pause or resume
 * made through this process is in it before the request is answered, so that no provider call starts after a pause.
 */
export class DeliveryDirectory extends Context.Tag("DeliveryDirectory")<DeliveryDirectory, {
  /** The company's entry (a plain read: a delivery reads it at every step). */
  readonly get: (companyId: CompanyId) => DeliveryTarget | undefined
  readonly all: Effect.Effect<ReadonlyArray<DeliveryTarget>>
  /** A counter of the pauses set here: read it before reading the targets from storage, and give it to `replace`. */
  readonly generation: Effect.Effect<number>
  /** Replaces every entry, keeping the pauses set here after `generation` (storage answered before them). */
  readonly replace: (targets: ReadonlyArray<DeliveryTarget>, generation: number) => Effect.Effect<void>
  /** Moves whenever an entry may have changed (a `replace` or a `setPaused`): what was derived from entries before is stale. */
  readonly revision: () => number
  /** Sets the company's pause, if it is a target. */
  readonly setPaused: (companyId: CompanyId, paused: boolean) => Effect.Effect<void>
}>() {}
