import { Effect, Layer, Option, Schema } from "effect"
import { CompanyId, JobId, RoutingId } from "../../../src/domain/ids.ts"
import type { OutboxEvent } from "../../../src/domain/events.ts"
import { type Job, Priority } from "../../../src/domain/job.ts"
import { type ClaimRequest, RoutingRepo } from "../../../src/services/Routings.ts"
import { JobRepo } from "../../../src/services/Jobs.ts"
import { Db, type Sql } from "../Db.ts"
import { selectJobs, toJobs } from "./jobs.ts"
import { decodeRows } from "./decode.ts"
import { withRows } from "./repository.ts"

const AttemptRow = Schema.Struct({
  at: Schema.DateFromSelf,
  outcome: Schema.String,
  duration_ms: Schema.Int,
  error: Schema.NullOr(Schema.String)
})

const WaitingRow = Schema.Struct({ id: RoutingId, job_id: JobId, company_id_received: CompanyId, priority: Priority })

const CallRow = Schema.Struct({ company_id_received: CompanyId, at: Schema.DateFromSelf })

/** The claims `getAndClaimMany` took among a job's routings, beside the job's own columns. */
const JobClaimsRow = Schema.Struct({
  claims: Schema.Array(Schema.Struct({
    id: RoutingId,
    needs_lookup: Schema.Boolean,
    attempts: Schema.Int,
    rate_limited_since: Schema.NullOr(Schema.Date)
  }))
})

interface ClaimRow {
  readonly needs_lookup: boolean
  readonly attempts: number
  readonly rate_limited_since: Date | null
}

const claimOf = (r: ClaimRow) => ({ needsLookup: r.needs_lookup, attempts: r.attempts, rateLimitedSince: r.rate_limited_since })

/**
 * The update that claims routings, each with its own lease: those `pending` or `retrying`, or `syncing` with their
 * lease run out (the last call was cut off: they then need a lookup), each only while the partition lease it names
 * is held (fencing: the database's clock decides). Its `returning` clause is the caller's.
 */
const claimStatement = (sql: Sql, claims: ReadonlyArray<ClaimRequest>, now: Date) =>
  sql`
    update job_routings r set
      needs_lookup = r.needs_lookup or r.sync_status = 'syncing',
      sync_status = 'syncing', lease_until = c.lease_until, updated_at = ${now}
    from unnest(
      ${claims.map((c) => c.id)}::uuid[],
      ${claims.map((c) => c.leaseUntil.toISOString())}::timestamptz[],
      ${claims.map((c) => c.fence?.partition ?? null)}::int[],
      ${claims.map((c) => c.fence?.epoch ?? null)}::bigint[]
    ) as c(id, lease_until, fence_partition, fence_epoch)
    where r.id = c.id
      and (r.sync_status in ('pending', 'retrying') or (r.sync_status = 'syncing' and r.lease_until < ${now}))
      and (c.fence_partition is null or exists (
        select 1 from partition_leases l
        where l.partition = c.fence_partition and l.epoch = c.fence_epoch and l.lease_until > now()
      ))`

/**
 * Inserts the outbox events of the routings `finish` wrote (the `routing` CTE): a dropped result's events are dropped
 * with it. Its trigger wakes the relay: only made when there are some.
 */
const appendEvents = (sql: Sql, events: ReadonlyArray<OutboxEvent>) =>
  sql`
    insert into outbox_events (id, aggregate_id, type, payload, traceparent, created_at, available_at)
    select id, aggregate_id, type, payload::jsonb, traceparent, created_at, available_at from unnest(
      ${events.map((e) => e.id)}::uuid[],
      ${events.map((e) => e.aggregateId)}::uuid[],
      ${events.map((e) => e.type)}::text[],
      ${events.map((e) => JSON.stringify(e.payload))}::text[],
      ${events.map((e) => e.traceparent)}::text[],
      ${events.map((e) => e.createdAt.toISOString())}::timestamptz[],
      ${events.map((e) => e.availableAt?.toISOString() ?? null)}::timestamptz[]
    ) as e(id, aggregate_id, type, payload, traceparent, created_at, available_at)
    where e.aggregate_id in (select id from routing)`

/** The wanted routings among the jobs read, each with its job. */
const routingsOf = (jobs: ReadonlyArray<Job>, ids: ReadonlyArray<RoutingId>) => {
  const wanted = new Set<string>(ids)
  return new Map(jobs.flatMap((job) =>
    job.routings.filter((r) => wanted.has(r.id)).map((routing) => [routing.id, { routing, job }] as const)))
}

/** Routings on PostgreSQL: `job_routings` and their attempts, read with their jobs. */
export const layer = Layer.effect(
  RoutingRepo,
  Effect.gen(function*() {
    const db = withRows(yield* Db)
    const jobs = yield* JobRepo
    const decodeClaims = decodeRows(JobClaimsRow, "routings.getAndClaimMany")

    return RoutingRepo.of({
      get: (id) =>
        db.query("routings.get", (sql) => sql`${selectJobs(sql)} where j.id = (select job_id from job_routings where id = ${id})`).pipe(
          Effect.flatMap(toJobs),
          Effect.map((found) =>
            Option.flatMap(Option.fromNullable(found[0]), (job) =>
              Option.map(Option.fromNullable(job.routings.find((r) => r.id === id)), (routing) => ({ routing, job })))
          )
        ),

      getMany: (ids) =>
        ids.length === 0 ? Effect.succeed(new Map()) : db.query("routings.getMany", (sql) =>
          sql`${selectJobs(sql)} where j.id in (select job_id from job_routings where id = any(${ids}::uuid[]))`).pipe(
            Effect.flatMap(toJobs),
            Effect.map((found) => routingsOf(found, ids))
          ),

      claimMany: (claims, now) =>
        claims.length === 0 ? Effect.succeed(new Map()) : db.query<ReadonlyArray<ClaimRow & { id: RoutingId }>>(
          "routings.claimMany",
          (sql) => sql`${claimStatement(sql, claims, now)} returning r.id, r.needs_lookup, r.attempts, r.rate_limited_since`
        ).pipe(Effect.map((rows) => new Map(rows.map((r) => [r.id, claimOf(r)])))),

      getAndClaimMany: (claims, now) =>
        claims.length === 0 ? Effect.succeed({ found: new Map(), claims: new Map() }) : db.query("routings.getAndClaimMany", (sql) =>
          // The claims go in a data-modifying CTE; the jobs are read from the snapshot before it, as getMany reads them.
          sql`
            with claimed as (
              ${claimStatement(sql, claims, now)}
              returning r.id, r.job_id, r.needs_lookup, r.attempts, r.rate_limited_since
            )
            select q.*, (
              select coalesce(json_agg(json_build_object('id', c.id, 'needs_lookup', c.needs_lookup, 'attempts', c.attempts,
                'rate_limited_since', c.rate_limited_since)), '[]'::json)
              from claimed c where c.job_id = q.id
            ) as claims
            from (${selectJobs(sql)} where j.id in (select job_id from job_routings where id = any(${claims.map((c) => c.id)}::uuid[]))) q`).pipe(
            Effect.flatMap((rows) => Effect.zip(toJobs(rows), decodeClaims(rows))),
            Effect.map(([jobsFound, claimed]) => ({
              found: routingsOf(jobsFound, claims.map((c) => c.id)),
              claims: new Map(claimed.flatMap((row) => row.claims.map((r) => [r.id, claimOf(r)])))
            }))
          ),

      release: (ids, now) =>
        ids.length === 0 ? Effect.void : db.query("routings.release", (sql) =>
          sql`
            update job_routings set
              sync_status = case when attempts > 0 then 'retrying' else 'pending' end, lease_until = null, updated_at = ${now}
            where id = any(${ids}::uuid[]) and sync_status = 'syncing'`).pipe(Effect.asVoid),

      claim: (id, now, leaseUntil) =>
        db.query<ReadonlyArray<ClaimRow>>("routings.claim", (sql) =>
          sql`
            update job_routings set
              needs_lookup = needs_lookup or sync_status = 'syncing',
              sync_status = 'syncing', lease_until = ${leaseUntil}, updated_at = ${now}
            where id = ${id}
              and (sync_status in ('pending', 'retrying') or (sync_status = 'syncing' and lease_until < ${now}))
            returning needs_lookup, attempts, rate_limited_since`).pipe(
            Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), claimOf))
          ),

      // One statement (atomic on its own) for all of them: each routing's new state, its attempt, and each job `routed`
      // on its first synced routing.
      finish: (finished, events = []) =>
        finished.length === 0 ? Effect.void : db.query("routings.finish", (sql) => {
          // Every column goes as strings, cast to its type: postgres.js takes an array of numbers or booleans for a single
          // value, and turns any string into false in a boolean array (hence flags as 0 or 1).
          const column = (value: (f: (typeof finished)[number]) => string | number | null) =>
            finished.map((f) => {
              const v = value(f)
              return v === null ? null : String(v)
            })
          return sql`
            with input as (
              select * from unnest(
                ${column((f) => f.id)}::uuid[],
                ${column((f) => (f.result._tag === "Synced" ? "synced" : f.result.status))}::text[],
                ${column((f) => (f.result._tag === "Synced" ? f.result.externalId : null))}::text[],
                ${column((f) => (f.result._tag === "Synced" ? null : f.result.error))}::text[],
                ${column((f) => (f.result._tag === "Synced" || f.result.counts ? 1 : 0))}::int[],
                ${column((f) => (f.result._tag === "Failed" && !f.result.known ? 1 : 0))}::int[],
                ${column((f) => f.timing.at.toISOString())}::timestamptz[],
                ${column((f) => f.result.outcome)}::text[],
                ${column((f) => Math.round(f.timing.durationMs))}::int[],
                ${column((f) => f.leaseUntil?.toISOString() ?? null)}::timestamptz[]
              ) with ordinality as i(id, status, external_id, error, counts, needs_lookup, at, outcome, duration_ms, lease_until, n)
            ), routing as (
              update job_routings r set
                sync_status = i.status,
                external_id = case when i.status = 'synced' then i.external_id else r.external_id end,
                synced_at = case when i.status = 'synced' then i.at else r.synced_at end,
                delivery_ms = case when i.status = 'synced'
                  then greatest(0, round(extract(epoch from i.at - (
                    select greatest(j.created_at, j.deliver_after) from jobs j where j.id = r.job_id
                  )) * 1000))
                  else r.delivery_ms end,
                attempts = r.attempts + i.counts, last_error = i.error, lease_until = null,
                needs_lookup = i.needs_lookup = 1, updated_at = i.at,
                rate_limited_since = case when i.outcome = 'rate_limited' then coalesce(r.rate_limited_since, i.at) end
              from input i
              where r.id = i.id and (case
                when i.lease_until is null then r.sync_status in ('pending', 'retrying', 'syncing')
                else r.sync_status = 'syncing' and r.lease_until = i.lease_until
              end)
              returning r.id, r.job_id, i.status, i.at
            ), attempt as (
              insert into routing_attempts (routing_id, at, outcome, duration_ms, error)
              select id, at, outcome, duration_ms, error from input where id in (select id from routing) order by n
            )${events.length === 0 ? sql`` : sql`, event as (${appendEvents(sql, events)})`}
            update jobs j set status = 'routed', updated_at = s.at
            from (select job_id, max(at) as at from routing where status = 'synced' group by job_id) s
            where j.status = 'pending' and j.id = s.job_id`
        }).pipe(Effect.asVoid),

      attempts: (id) =>
        db.rows("routings.attempts", AttemptRow, (sql) =>
          sql`select at, outcome, duration_ms, error from routing_attempts where routing_id = ${id} order by at, id`).pipe(
            Effect.map((rows) => rows.map((r) => ({ at: r.at, outcome: r.outcome, durationMs: r.duration_ms, error: r.error })))
          ),

      callsSince: (since) =>
        db.rows("routings.callsSince", CallRow, (sql) =>
          sql`
            select r.company_id_received, a.at from routing_attempts a join job_routings r on r.id = a.routing_id
            where a.at >= ${since} order by a.at`).pipe(
          Effect.map((rows) => rows.map((r) => ({ companyId: r.company_id_received, at: r.at })))
        ),

      waiting: (before, limit, companyId) =>
        db.rows("routings.waiting", WaitingRow, (sql) =>
          sql`
            select r.id, r.job_id, r.company_id_received, j.priority from job_routings r
            join jobs j on j.id = r.job_id
            where r.updated_at < ${before}
              ${companyId === undefined ? sql`` : sql`and r.company_id_received = ${companyId}`}
              and (r.sync_status in ('pending', 'retrying') or (r.sync_status = 'syncing' and r.lease_until < ${before}))
              and not exists (
                select 1 from outbox_events o where o.aggregate_id = r.id and o.published_at is null
              )
            order by r.updated_at
            limit ${limit}`).pipe(
            Effect.map((rows) => rows.map((r) => ({ routingId: r.id, jobId: r.job_id, companyId: r.company_id_received, priority: r.priority })))
          ),

      touch: (ids, now) =>
        ids.length === 0 ? Effect.void : db.query("routings.touch", (sql) =>
          sql`update job_routings set updated_at = ${now} where id = any(${[...ids]}::uuid[])`).pipe(Effect.asVoid),

      failedOf: (companyId, after, limit) =>
        db.query<ReadonlyArray<{ id: RoutingId }>>("routings.failedOf", (sql) =>
          sql`
            select id from job_routings
            where company_id_received = ${companyId} and sync_status = 'failed'
              ${after === null ? sql`` : sql`and id > ${after}`}
            order by id
            limit ${limit}`).pipe(Effect.map((rows) => rows.map((r) => r.id))),

      reopenMany: (ids, now) =>
        ids.length === 0 ? Effect.succeed([]) : db.rows("routings.reopenMany", WaitingRow, (sql) =>
          sql`
            update job_routings r set sync_status = 'pending', attempts = 0, last_error = null, rate_limited_since = null,
              updated_at = ${now}
            from jobs j
            where r.id = any(${[...ids]}::uuid[]) and r.sync_status = 'failed' and j.id = r.job_id
            returning r.id, r.job_id, r.company_id_received, j.priority`).pipe(
            Effect.map((rows) => rows.map((r) => ({ routingId: r.id, jobId: r.job_id, companyId: r.company_id_received, priority: r.priority })))
          ),

      releaseDue: (now) =>
        db.query<ReadonlyArray<{ id: RoutingId }>>("routings.releaseDue", (sql) =>
          sql`
            with due as materialized (
              select aggregate_id from outbox_events
              where published_at is null and available_at is not null and available_at <= ${now} and type = 'routing.created'
            )
            update job_routings r set sync_status = 'pending', updated_at = ${now}
            where r.id in (select aggregate_id from due) and r.sync_status = 'scheduled'
            returning r.id`).pipe(Effect.map((rows) => rows.length)),

      cancel: (id, now) =>
        db.query("routings.cancel", (sql) =>
          sql`
            update job_routings set sync_status = 'canceled', lease_until = null, updated_at = ${now}
            where id = ${id} and sync_status in ('scheduled', 'pending', 'retrying', 'failed') returning id`).pipe(
            Effect.map((rows) => rows.length > 0)
          ),

      claimToPoll: (companyId, polledBefore, limit, now) =>
        db.query<ReadonlyArray<{ job_id: string; id: string }>>("routings.claimToPoll", (sql) =>
          sql`
            with due as (
              select id from job_routings
              where company_id_received = ${companyId} and sync_status = 'synced' and external_id is not null
                and (external_status is null or external_status not in ('completed', 'canceled'))
                and (last_polled_at is null or last_polled_at < ${polledBefore})
              order by last_polled_at nulls first, id
              limit ${limit}
              for update skip locked
            )
            update job_routings r set last_polled_at = ${now} from due where r.id = due.id
            returning r.id, r.job_id`).pipe(
            Effect.flatMap((rows) =>
              Effect.forEach(rows, (row) => jobs.get(JobId.make(row.job_id)).pipe(
                Effect.map(Option.flatMap((job) => Option.fromNullable(job.routings.find((r) => r.id === row.id))))
              ))
            ),
            Effect.map((found) => found.flatMap(Option.toArray))
          ),

      companiesToPoll: (due) =>
        due.length === 0 ? Effect.succeed(new Set()) : db.query<ReadonlyArray<{ company_id: CompanyId }>>("routings.companiesToPoll", (sql) =>
          sql`
            select d.company_id from unnest(
              ${due.map((d) => d.companyId)}::uuid[], ${due.map((d) => d.polledBefore.toISOString())}::timestamptz[]
            ) as d(company_id, polled_before)
            where exists (
              select 1 from job_routings r
              where r.company_id_received = d.company_id and r.sync_status = 'synced' and r.external_id is not null
                and (r.external_status is null or r.external_status not in ('completed', 'canceled'))
                and (r.last_polled_at is null or r.last_polled_at < d.polled_before)
            )`).pipe(Effect.map((rows) => new Set(rows.map((r) => r.company_id)))),

      recordStatus: (id, status, at) =>
        db.query("routings.recordStatus", (sql) =>
          sql`
            update job_routings set external_status = ${status.externalStatus}, revenue = ${status.revenue},
              completed_at = ${status.completedAt}, last_polled_at = ${at}, updated_at = ${at}
            where id = ${id}`).pipe(Effect.asVoid),

      markPolled: (ids, at) =>
        ids.length === 0 ? Effect.void : db.query("routings.markPolled", (sql) =>
          sql`update job_routings set last_polled_at = ${at} where id = any(${[...ids]}::uuid[])`).pipe(Effect.asVoid),

      cancelDelivered: (id, record) =>
        db.query("routings.cancelDelivered", (sql) =>
          sql`
            with canceled as (
              update job_routings set sync_status = 'canceled', updated_at = ${record.at}
              where id = ${id} and sync_status = 'synced'
                and (external_status is null or external_status not in ('in_progress', 'completed'))
              returning id
            )
            insert into routing_attempts (routing_id, at, outcome, duration_ms, error)
            select id, ${record.at}, ${record.outcome}, ${Math.round(record.durationMs)}, ${record.note} from canceled
            returning routing_id`).pipe(Effect.map((rows) => rows.length > 0))
    })
  })
)
