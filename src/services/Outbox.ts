import { Context, type Effect } from "effect"
import type { OutboxEvent } from "../domain/events.ts"
import type { EventId } from "../domain/ids.ts"
import type { StorageError } from "./StorageError.ts"

/** The transactional outbox: events written beside the change they announce, published later by the relay. */
export class OutboxRepo extends Context.Tag("OutboxRepo")<OutboxRepo, {
  readonly append: (events: ReadonlyArray<OutboxEvent>) => Effect.Effect<void, StorageError>
  /** Events not yet published, oldest first. */
  readonly pending: (limit: number) => Effect.Effect<ReadonlyArray<OutboxEvent>, StorageError>
  /**
   * Up to `limit` unpublished events, oldest first, locked until the enclosing transaction ends; events another
   * transaction holds are skipped (`FOR UPDATE SKIP LOCKED`), so several relays share the work.
   */
  readonly claimUnpublished: (limit: number) => Effect.Effect<ReadonlyArray<OutboxEvent>, StorageError>
  readonly markPublished: (ids: ReadonlyArray<EventId>, at: Date) => Effect.Effect<void, StorageError>
  /** How many events wait to be published, and since when the oldest has. */
  readonly backlog: Effect.Effect<{ readonly pending: number; readonly oldestCreatedAt: Date | null }, StorageError>
}>() {}
