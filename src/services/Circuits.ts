import { Context, type Effect } from "effect"
import type { CompanyId } from "../domain/ids.ts"
import type { StorageError } from "./StorageError.ts"

/** A company's circuit while it is open: its how-manieth opening in a row, and when its next probe may go. */
export interface OpenCircuit {
  readonly companyId: CompanyId
  readonly opened: number
  readonly until: Date
}

/**
 * The deployment's open circuits, written when a company's circuit opens and removed when it closes, so that the
 * replica that takes the company over (a partition hand-over, a restart) starts its circuit where it was rather than
 * calling a dead provider `CIRCUIT_FAILURE_THRESHOLD` times more. Failures counted in a closed circuit stay in memory.
 */
export class CircuitStore extends Context.Tag("CircuitStore")<CircuitStore, {
  /** Records the company's circuit as open (replacing what was recorded). */
  readonly opened: (circuit: OpenCircuit) => Effect.Effect<void, StorageError>
  /** Forgets the company's open circuit, if one is recorded. */
  readonly closed: (companyId: CompanyId) => Effect.Effect<void, StorageError>
  /** Every circuit recorded as open. */
  readonly open: Effect.Effect<ReadonlyArray<OpenCircuit>, StorageError>
}>() {}
