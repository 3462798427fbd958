import { Context, type Effect } from "effect"
import type { CompanyIndex } from "../domain/companyIndex.ts"
import type { StorageError } from "./StorageError.ts"

/** The companies and technicians in memory, for intake to check references and match without reading them. */
export class CompanyDirectory extends Context.Tag("CompanyDirectory")<CompanyDirectory, {
  /**
   * The index with every change committed before this call: it asks storage for the version (one small read) and
   * catches up when the index is behind. Read it at once; it moves on with later calls.
   */
  readonly current: Effect.Effect<CompanyIndex, StorageError>
}>() {}
