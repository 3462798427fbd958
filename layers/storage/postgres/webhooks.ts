import { Effect, Option, Schema } from "effect"
import { EventId } from "../../../src/domain/ids.ts"
import { Webhook, WebhookId } from "../../../src/domain/webhook.ts"
import { WebhookRepo } from "../../../src/services/Webhooks.ts"
import { column } from "./decode.ts"
import { repository } from "./repository.ts"
import { deleteOldest } from "./deleteOldest.ts"
import { columnsOf, rowInsert, rowOf } from "./rows.ts"

/** A webhook as its row: the domain struct under snake_case columns, its sealed secret in two of them. */
const HookRow = Schema.transform(
  Schema.Struct({ ...rowOf(Webhook.omit("secret")).fields, secret_key_id: Schema.String, secret_sealed: Schema.String }),
  Schema.typeSchema(Webhook),
  {
    strict: true,
    decode: ({ secret_key_id, secret_sealed, ...hook }) => ({ ...hook, secret: { keyId: secret_key_id, data: secret_sealed } }),
    encode: ({ secret, ...hook }) => ({ ...hook, secret_key_id: secret.keyId, secret_sealed: secret.data })
  }
)

const HOOK_COLUMNS = [...columnsOf(Webhook.omit("secret")), "secret_key_id", "secret_sealed"]

const DueRow = Schema.Struct({
  id: Schema.NumberFromString,
  webhook_id: WebhookId,
  url: Schema.String,
  secret_key_id: Schema.String,
  secret_sealed: Schema.String,
  event_id: EventId,
  type: Schema.String,
  body: Schema.String,
  attempts: Schema.Int
})

const AttemptRow = Schema.Struct({
  eventId: column(EventId, "event_id"),
  type: Schema.String,
  at: Schema.DateFromSelf,
  statusCode: column(Schema.NullOr(Schema.Int), "status_code"),
  durationMs: column(Schema.Int, "duration_ms"),
  error: Schema.NullOr(Schema.String)
})

/** Webhooks on PostgreSQL: deliveries unique per (hook, event), claimed with `FOR UPDATE SKIP LOCKED` and a lease. */
export const layer = repository(WebhookRepo, (db) =>
  WebhookRepo.of({
    insert: rowInsert(db, HookRow, "webhooks", "webhooks.insert"),
    get: (id) =>
      db.rows("webhooks.get", HookRow, (sql) => sql`select ${sql(HOOK_COLUMNS)} from webhooks where id = ${id}`).pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]))
      ),
    list: ({ after, limit }) =>
      db.rows("webhooks.list", HookRow, (sql) =>
        sql`
          select ${sql(HOOK_COLUMNS)} from webhooks
          ${after === null ? sql`` : sql`where (created_at, id) < (${after.createdAt}, ${after.id})`}
          order by created_at desc, id desc
          limit ${limit}`),
    delete: (id) =>
      db.query("webhooks.delete", (sql) => sql`delete from webhooks where id = ${id} returning id`).pipe(
        Effect.map((rows) => rows.length > 0)
      ),
    enqueue: (events, at) =>
      events.length === 0 ? Effect.succeed(0) : db.query("webhooks.enqueue", (sql) =>
        sql`
          insert into webhook_deliveries (webhook_id, event_id, type, body, next_attempt_at, created_at)
          select h.id, e.id, e.type, e.body, ${at}, ${at}
          from unnest(
            ${events.map((e) => e.id)}::uuid[],
            ${events.map((e) => e.type)}::text[],
            ${events.map((e) => e.body)}::text[],
            ${events.map((e) => e.createdAt.toISOString())}::timestamptz[],
            ${events.map((e) => e.companyId)}::text[]
          ) with ordinality as e(id, type, body, created_at, company_id, n)
          join webhooks h on e.type = any (h.events) and h.created_at <= e.created_at
            and (h.company_id is null or h.company_id::text = e.company_id)
          order by e.n, h.id
          on conflict (webhook_id, event_id) do nothing
          returning id`).pipe(Effect.map((rows) => rows.length)),
    claimDue: (now, leaseUntil, limit) =>
      db.rows("webhooks.claimDue", DueRow, (sql) =>
        sql`
          with due as (
            select d.id from webhook_deliveries d join webhooks h on h.id = d.webhook_id
            where d.status = 'pending' and d.next_attempt_at <= ${now} and h.active
            order by d.next_attempt_at, d.id
            limit ${limit}
            for update of d skip locked
          )
          update webhook_deliveries d set next_attempt_at = ${leaseUntil}
          from due, webhooks h
          where d.id = due.id and h.id = d.webhook_id
          returning d.id::text as id, d.webhook_id, h.url, h.secret_key_id, h.secret_sealed, d.event_id, d.type, d.body,
            d.attempts`).pipe(
          Effect.map((rows) =>
            rows.map((r) => ({
              id: r.id,
              webhookId: r.webhook_id,
              url: r.url,
              secret: { keyId: r.secret_key_id, data: r.secret_sealed },
              eventId: r.event_id,
              type: r.type,
              body: r.body,
              attempts: r.attempts
            })).sort((a, b) => a.id - b.id)
          )
        ),
    recordAttempt: (delivery, attempt, outcome) =>
      db.query("webhooks.recordAttempt", (sql) =>
        sql`
          with attempt as (
            insert into webhook_attempts (delivery_id, webhook_id, event_id, type, at, status_code, duration_ms, error)
            values (${delivery.id}, ${delivery.webhookId}, ${attempt.eventId}, ${attempt.type}, ${attempt.at},
              ${attempt.statusCode}, ${attempt.durationMs}, ${attempt.error})
          )
          update webhook_deliveries set
            attempts = attempts + 1,
            last_error = ${attempt.error},
            status = ${outcome._tag === "Delivered" ? "delivered" : outcome._tag === "Failed" ? "failed" : "pending"},
            next_attempt_at = ${outcome._tag === "Retry" ? outcome.nextAttemptAt : attempt.at}
          where id = ${delivery.id}`).pipe(Effect.asVoid),
    failed: (id, at, maxFailures) =>
      db.query("webhooks.failed", (sql) =>
        sql`
          with prev as (select id, active, consecutive_failures from webhooks where id = ${id} for no key update)
          update webhooks h set
            consecutive_failures = prev.consecutive_failures + 1,
            active = prev.active and prev.consecutive_failures + 1 < ${maxFailures},
            disabled_at = case when prev.active and prev.consecutive_failures + 1 >= ${maxFailures}
              then ${at}::timestamptz else h.disabled_at end
          from prev
          where h.id = prev.id
          returning prev.active and not h.active as disabled`).pipe(
          Effect.map((rows) => rows[0]?.["disabled"] === true)
        ),
    enable: (id, at) =>
      db.query("webhooks.enable", (sql) =>
        sql`
          with prev as (select id, active from webhooks where id = ${id} for no key update),
          hook as (
            update webhooks h set active = true, consecutive_failures = 0, disabled_at = null
            from prev where h.id = prev.id
            returning prev.active as was_active
          ),
          given_up as (
            select distinct delivery_id from webhook_attempts
            where webhook_id = ${id} and at > coalesce((
              select max(at) from webhook_attempts where webhook_id = ${id} and status_code between 200 and 299
            ), '-infinity')
          ),
          resent as (
            update webhook_deliveries d set status = 'pending', attempts = 0, next_attempt_at = ${at}, last_error = null
            where d.webhook_id = ${id} and not (select was_active from hook)
              and (d.status = 'pending' or (d.status = 'failed' and d.id in (select delivery_id from given_up)))
            returning d.id
          )
          select (select count(*) from hook)::int as found, (select count(*) from resent)::int as resent`).pipe(
          Effect.map((rows) => (rows[0]?.["found"] === 1 ? Option.some(Number(rows[0]["resent"])) : Option.none()))
        ),
    succeeded: (id) =>
      db.query("webhooks.succeeded", (sql) =>
        sql`update webhooks set consecutive_failures = 0 where id = ${id} and consecutive_failures <> 0`).pipe(
          Effect.asVoid
        ),
    attempts: (id, limit) =>
      db.rows("webhooks.attempts", AttemptRow, (sql) =>
        sql`
          select event_id, type, at, status_code, duration_ms, error from webhook_attempts
          where webhook_id = ${id} order by at desc, id desc limit ${limit}`),
    // Their attempts go with them (on delete cascade, found by webhook_attempts_delivery_idx).
    deleteFinishedBefore: deleteOldest(db, "webhooks.deleteFinishedBefore", {
      table: "webhook_deliveries",
      column: "created_at",
      key: ["id"],
      only: "status <> 'pending'"
    })
  })
)
