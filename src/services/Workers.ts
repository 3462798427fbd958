import { Context, type Effect } from "effect"
import type { CircuitState } from "../CircuitBreaker.ts"
import type { CompanyId } from "../domain/ids.ts"

/** What one company's actor in this process is doing, for `/admin/workers`. */
export interface WorkerStatus {
  readonly companyId: CompanyId
  readonly consumer: string
  /** An operator paused delivery to the company. */
  readonly paused: boolean
  /** The provider answered 429: no pulling until then. */
  readonly rateLimitedUntil: Date | null
  readonly inFlight: number
  readonly circuit: CircuitState
  /** Provider calls the company's rate limit allows right now. */
  readonly tokens: number | null
  readonly lastError: string | null
}

/** The actors running in this process and their state. */
export class WorkerRegistry extends Context.Tag("WorkerRegistry")<WorkerRegistry, {
  readonly set: (status: WorkerStatus) => Effect.Effect<void>
  readonly update: (companyId: CompanyId, f: (status: WorkerStatus) => WorkerStatus) => Effect.Effect<void>
  readonly remove: (companyId: CompanyId) => Effect.Effect<void>
  readonly all: Effect.Effect<ReadonlyArray<WorkerStatus>>
}>() {}
