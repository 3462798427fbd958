import { Context, type Effect } from "effect"
import type { Alert, AlertKey, CircuitAnnounced } from "../domain/alerts.ts"
import type { CompanyId } from "../domain/ids.ts"
import type { StorageError } from "./StorageError.ts"

/** A page of open alerts, newest first, and how many are open in all. */
export interface OpenAlerts {
  readonly items: ReadonlyArray<Alert>
  readonly total: number
}

/**
 * Alerts an operator should see until they are resolved (the dashboard's banner, `GET /alerts`), and the circuit
 * states announced to subscribers. Every write is one statement, so a caller puts it in the transaction of the change
 * it follows.
 */
export class AlertRepo extends Context.Tag("AlertRepo")<AlertRepo, {
  /**
   * Opens `alert` unless one with its key is open already (that one then takes its message). True when it opened a
   * new one: only then is it announced.
   */
  readonly raise: (alert: Alert) => Effect.Effect<boolean, StorageError>
  /** Resolves at `at` the open alert with this key, if any; true when there was one. */
  readonly resolve: (key: AlertKey, at: Date) => Effect.Effect<boolean, StorageError>
  /** Resolves at `at` the open alerts with these keys, in one statement; answers how many it resolved. */
  readonly resolveMany: (keys: ReadonlyArray<AlertKey>, at: Date) => Effect.Effect<number, StorageError>
  /**
   * Resolves at `at` the routings' alerts whose cause has passed: `sla.breached` once its routing is synced, canceled
   * or failed (given up: its `dead_letter.added` takes over), `dead_letter.added` once its routing is no longer failed
   * (retried or replayed), either once the routing is gone (archived). Answers how many it resolved.
   */
  readonly resolveSettled: (at: Date) => Effect.Effect<number, StorageError>
  /** Deletes the alerts resolved before `resolvedBefore`; answers how many. */
  readonly forgetResolved: (resolvedBefore: Date) => Effect.Effect<number, StorageError>
  /** Up to `limit` open alerts, newest first (then by id), and the count of all open ones. */
  readonly open: (limit: number) => Effect.Effect<OpenAlerts, StorageError>
  /**
   * Records `state` as announced for the company at `at` when it differs from the state last announced and that was
   * announced no later than `announcedBefore` (or none was): true when it did, and the caller announces it.
   */
  readonly claimCircuitAnnouncement: (
    companyId: CompanyId,
    state: CircuitAnnounced,
    at: Date,
    announcedBefore: Date
  ) => Effect.Effect<boolean, StorageError>
  /**
   * The companies whose circuit state now (open: recorded open in the circuit store) differs from the one last
   * announced, announced no later than `announcedBefore`, with the state now: their change is due to be announced.
   */
  readonly circuitsToAnnounce: (
    announcedBefore: Date
  ) => Effect.Effect<ReadonlyArray<{ readonly companyId: CompanyId; readonly state: CircuitAnnounced }>, StorageError>
}>() {}
