import { Context, type Effect, type Option } from "effect"
import type { ApiKey } from "../domain/apiKey.ts"
import type { CompanyStatus } from "../domain/company.ts"
import type { ApiKeyId } from "../domain/ids.ts"
import type { PageCursor } from "../domain/page.ts"
import type { StorageError } from "./StorageError.ts"

/** A key found by its hash, with the status of its company (null for a key of no company, or one deleted). */
export interface FoundKey {
  readonly key: ApiKey
  readonly companyStatus: CompanyStatus | null
}

/** API keys, found by the hash of the key. */
export class ApiKeyRepo extends Context.Tag("ApiKeyRepo")<ApiKeyRepo, {
  readonly insert: (key: ApiKey) => Effect.Effect<void, StorageError>
  /** The key with this hash, unless revoked or expired at `now`, with its company's status. */
  readonly findActive: (keyHash: string, now: Date) => Effect.Effect<Option.Option<FoundKey>, StorageError>
  /** Records that the key was used at `now`, unless a use within the last minute was recorded already. */
  readonly recordUse: (id: ApiKeyId, now: Date) => Effect.Effect<void, StorageError>
  /** Keys newest first (revoked ones included), `limit` of them after the cursor. */
  readonly list: (query: { readonly limit: number; readonly after: PageCursor | null }) => Effect.Effect<ReadonlyArray<ApiKey>, StorageError>
  /** Revokes the key; false when there is no such unrevoked key. */
  readonly revoke: (id: ApiKeyId, now: Date) => Effect.Effect<boolean, StorageError>
}>() {}
