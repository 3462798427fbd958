import { Context, type Effect } from "effect"
import type { StorageError } from "./StorageError.ts"

export interface IdempotencyClaim {
  readonly scope: string
  readonly key: string
  readonly requestHash: string
  readonly now: Date
  /** Records older than this are forgotten and the key may be used afresh. */
  readonly expiresBefore: Date
}

/** What a claimed key means for the request: go ahead, answer what was answered before, or refuse a different body. */
export type IdempotencyOutcome =
  | { readonly _tag: "Claimed" }
  | { readonly _tag: "Replay"; readonly response: unknown }
  | { readonly _tag: "Mismatch" }

/**
 * Idempotency keys. `claim` and `complete` run in the transaction of the write they guard, so a second request with the
 * same key waits for the first to commit and then sees its answer.
 */
export class IdempotencyRepo extends Context.Tag("IdempotencyRepo")<IdempotencyRepo, {
  readonly claim: (claim: IdempotencyClaim) => Effect.Effect<IdempotencyOutcome, StorageError>
  readonly complete: (scope: string, key: string, response: unknown) => Effect.Effect<void, StorageError>
}>() {}
