import { Context, type Effect } from "effect"
import type { KeyRecord } from "../domain/intake.ts"
import type { StorageError } from "./StorageError.ts"

export interface IdempotencyClaim {
  readonly scope: string
  readonly key: string
  readonly requestHash: string
}

export interface ClaimTime {
  readonly now: Date
  /** Records older than this are forgotten and the key may be used afresh. */
  readonly expiresBefore: Date
}

/**
 * Idempotency keys. `claim` and `complete` run in the transaction of the write they guard, so a request with a key that
 * another transaction holds waits for it to commit and then sees its answer.
 */
export class IdempotencyRepo extends Context.Tag("IdempotencyRepo")<IdempotencyRepo, {
  /**
   * Claims each key (the keys are distinct): `Claimed` when it was free or its record had expired, else the record that
   * holds it. One answer per claim, in order.
   */
  readonly claim: (claims: ReadonlyArray<IdempotencyClaim>, time: ClaimTime) => Effect.Effect<ReadonlyArray<KeyRecord>, StorageError>
  /** Stores the answer of each claimed key. */
  readonly complete: (
    answers: ReadonlyArray<{ readonly scope: string; readonly key: string; readonly response: unknown }>
  ) => Effect.Effect<void, StorageError>
  /** Deletes up to `limit` records created before `expiresBefore` (expired), oldest first; answers how many. */
  readonly deleteExpired: (expiresBefore: Date, limit: number) => Effect.Effect<number, StorageError>
}>() {}
