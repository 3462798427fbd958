import { Context, type Effect } from "effect"
import type { CompanyIndexChanges } from "../domain/companyIndex.ts"
import type { StorageError } from "./StorageError.ts"

/** What intake's in-memory company index is built from: the stored companies and technicians, by version. */
export class CompanyIndexRepo extends Context.Tag("CompanyIndexRepo")<CompanyIndexRepo, {
  /** The version of the companies and technicians as committed now. */
  readonly version: Effect.Effect<number, StorageError>
  /** The companies and technicians changed after `version` (all of them from `EMPTY_INDEX_VERSION`), as one snapshot. */
  readonly changesSince: (version: number) => Effect.Effect<CompanyIndexChanges, StorageError>
}>() {}
