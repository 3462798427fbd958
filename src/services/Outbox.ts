import { Context, type Effect } from "effect"
import type { OutboxEvent } from "../domain/events.ts"
import type { StorageError } from "./StorageError.ts"

/** The transactional outbox: events written beside the change they announce, published later by the relay. */
export class OutboxRepo extends Context.Tag("OutboxRepo")<OutboxRepo, {
  readonly append: (events: ReadonlyArray<OutboxEvent>) => Effect.Effect<void, StorageError>
  /** Events not yet published, oldest first. */
  readonly pending: (limit: number) => Effect.Effect<ReadonlyArray<OutboxEvent>, StorageError>
}>() {}
