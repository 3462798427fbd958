import { Effect, Option, Schema } from "effect"
import { EventId } from "../../../src/domain/ids.ts"
import { OutboxRepo } from "../../../src/services/Outbox.ts"
import type { Sql } from "../Db.ts"
import { repository } from "./repository.ts"

const OutboxRow = Schema.Struct({
  id: EventId,
  aggregate_id: Schema.String,
  type: Schema.String,
  payload: Schema.Unknown,
  traceparent: Schema.NullOr(Schema.String),
  created_at: Schema.DateFromSelf,
  available_at: Schema.NullOr(Schema.DateFromSelf)
})

const columns = (sql: Sql) => sql`id, aggregate_id, type, payload, traceparent, created_at, available_at`

/** The outbox on PostgreSQL: `outbox_events`, claimed with `FOR UPDATE SKIP LOCKED`. */
export const layer = repository(OutboxRepo, (db) => {
  const toEvents = (rows: ReadonlyArray<typeof OutboxRow.Type>) =>
    rows.map((r) => ({
      id: r.id,
      aggregateId: r.aggregate_id,
      type: r.type,
      payload: r.payload,
      traceparent: r.traceparent,
      createdAt: r.created_at,
      ...(r.available_at === null ? {} : { availableAt: r.available_at })
    }))
  return OutboxRepo.of({
    append: (events) =>
      events.length === 0 ? Effect.void : db.query("outbox.append", (sql) =>
        sql`insert into outbox_events ${
          sql(
            events.map((e) => ({
              id: e.id,
              aggregate_id: e.aggregateId,
              type: e.type,
              payload: sql.json(e.payload as never),
              traceparent: e.traceparent,
              created_at: e.createdAt,
              available_at: e.availableAt ?? null
            }))
          )
        }`).pipe(Effect.asVoid),
    pending: (limit) =>
      db.rows("outbox.pending", OutboxRow, (sql) =>
        sql`
          select ${columns(sql)} from outbox_events
          where published_at is null order by created_at, id limit ${limit}`).pipe(
          Effect.map(toEvents)
        ),
    // Each kind reads its own index: outbox_events_due_idx (its order is `created_at` for events with no hold) and
    // outbox_events_held_idx.
    claimUnpublished: (limit, now, kind) =>
      db.rows(`outbox.claim.${kind}`, OutboxRow, (sql) =>
        kind === "immediate"
          ? sql`
            select ${columns(sql)} from outbox_events
            where published_at is null and available_at is null and coalesce(available_at, created_at) <= ${now}
            order by coalesce(available_at, created_at), id limit ${limit}
            for update skip locked`
          : sql`
            select ${columns(sql)} from outbox_events
            where published_at is null and available_at is not null and available_at <= ${now}
            order by available_at, id limit ${limit}
            for update skip locked`).pipe(Effect.map(toEvents)),
    markPublished: (ids, at) =>
      ids.length === 0 ? Effect.void : db.query("outbox.markPublished", (sql) =>
        sql`update outbox_events set published_at = ${at} where id = any(${[...ids]}::uuid[])`).pipe(Effect.asVoid),
    nextHeld: (now) =>
      db.query<ReadonlyArray<{ next: Date | null }>>("outbox.nextHeld", (sql) =>
        sql`
          select min(available_at) as next from outbox_events
          where published_at is null and available_at is not null and available_at > ${now}`).pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]?.next))
      ),
    backlog: (now) =>
      db.query<ReadonlyArray<{ pending: number; oldest: Date | null }>>("outbox.backlog", (sql) =>
        sql`
          select count(*)::int as pending, min(coalesce(available_at, created_at)) as oldest from outbox_events
          where published_at is null and coalesce(available_at, created_at) <= ${now}`).pipe(
        Effect.map((rows) => ({ pending: rows[0]?.pending ?? 0, oldestDueAt: rows[0]?.oldest ?? null }))
      )
  })
})
