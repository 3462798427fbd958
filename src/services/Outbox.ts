import { Context, type Effect, type Option } from "effect"
import type { OutboxEvent } from "../domain/events.ts"
import type { EventId } from "../domain/ids.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * The transactional outbox: events written beside the change they announce, published later by the relay. An event
 * with an `availableAt` is held until then: it is not due, nor counted as backlog, before that time.
 */
/** Which unpublished events a claim takes: those published as soon as written, or those held until a time. */
export type OutboxClaim = "immediate" | "held"

export class OutboxRepo extends Context.Tag("OutboxRepo")<OutboxRepo, {
  readonly append: (events: ReadonlyArray<OutboxEvent>) => Effect.Effect<void, StorageError>
  /** Events not yet published, held ones included, oldest first. */
  readonly pending: (limit: number) => Effect.Effect<ReadonlyArray<OutboxEvent>, StorageError>
  /**
   * Up to `limit` unpublished events of one `kind` due by `now`, in the order they came due, locked until the
   * enclosing transaction ends; events another transaction holds are skipped (`FOR UPDATE SKIP LOCKED`), so several
   * relays share the work. `immediate`: events with no hold, written by `now`, by `createdAt`; `held`: events whose
   * hold ended by `now`, by `availableAt`.
   */
  readonly claimUnpublished: (
    limit: number,
    now: Date,
    kind: OutboxClaim
  ) => Effect.Effect<ReadonlyArray<OutboxEvent>, StorageError>
  readonly markPublished: (ids: ReadonlyArray<EventId>, at: Date) => Effect.Effect<void, StorageError>
  /** When the next unpublished event held past `now` comes due; none when no event is held past it. */
  readonly nextHeld: (now: Date) => Effect.Effect<Option.Option<Date>, StorageError>
  /** How many events due by `now` wait to be published, and since when the longest waiting has been due. */
  readonly backlog: (now: Date) => Effect.Effect<{ readonly pending: number; readonly oldestDueAt: Date | null }, StorageError>
}>() {}
