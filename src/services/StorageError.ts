import { Data } from "effect"

/**
 * A storage operation failed. `unavailable` marks faults of reach (connection refused or lost, timeouts),
 * which callers answer with 503 and a retry hint, apart from bugs and constraint violations.
 */
export class StorageError extends Data.TaggedError("StorageError")<{
  readonly operation: string
  readonly unavailable: boolean
  readonly cause: unknown
}> {
  override get message() {
    return `storage operation ${this.operation} failed${this.unavailable ? " (database unreachable)" : ""}`
  }
}
