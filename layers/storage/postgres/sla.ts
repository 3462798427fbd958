import { Effect, Schema } from "effect"
import { CompanyId, JobId, RoutingId } from "../../../src/domain/ids.ts"
import { SyncStatus } from "../../../src/domain/job.ts"
import { byDue, SlaRepo } from "../../../src/services/Sla.ts"
import { column } from "./decode.ts"
import { repository } from "./repository.ts"

const Millis = Schema.NullOr(Schema.Number)

const SummaryRow = Schema.Struct({ delivered: Schema.Int, p50: Millis, p95: Millis, p99: Millis, breaches: Schema.Int })

const MinuteRow = Schema.Struct({ minute: Schema.DateFromSelf, jobs: Schema.Int, deliveries: Schema.Int })

const BreachRow = Schema.Struct({
  routingId: column(RoutingId, "id"),
  jobId: column(JobId, "job_id"),
  companyId: column(CompanyId, "company_id_received"),
  dueAt: column(Schema.DateFromSelf, "due_at"),
  syncStatus: column(SyncStatus, "sync_status")
})

/**
 * The SLA on PostgreSQL: latencies kept in `job_routings.delivery_ms`, breaches claimed with `FOR UPDATE SKIP LOCKED`;
 * a routing is due at `greatest(created_at, deliver_after)` of its job (`greatest` ignores a null).
 */
export const layer = repository(SlaRepo, (db) =>
  SlaRepo.of({
    summary: ({ from, limitMs, to }) =>
      db.rows("sla.summary", SummaryRow, (sql) =>
        sql`
          select
            count(*) filter (where r.delivery_ms is not null)::int as delivered,
            (percentile_disc(0.5) within group (order by r.delivery_ms))::float8 as p50,
            (percentile_disc(0.95) within group (order by r.delivery_ms))::float8 as p95,
            (percentile_disc(0.99) within group (order by r.delivery_ms))::float8 as p99,
            count(*) filter (
              where r.delivery_ms > ${limitMs}
                or (r.sync_status in ('pending', 'retrying', 'syncing', 'failed')
                  and greatest(j.created_at, j.deliver_after) < ${new Date(to.getTime() - limitMs)})
            )::int as breaches
          from jobs j join job_routings r on r.job_id = j.id
          where j.created_at >= ${from} and j.created_at <= ${to} and r.sync_status <> 'canceled'`).pipe(
          Effect.map(([row]) => ({
            delivered: row?.delivered ?? 0,
            p50Ms: row?.p50 ?? null,
            p95Ms: row?.p95 ?? null,
            p99Ms: row?.p99 ?? null,
            breaches: row?.breaches ?? 0
          }))
        ),

    perMinute: (from, to) =>
      db.rows("sla.perMinute", MinuteRow, (sql) =>
        sql`
          select minute, sum(jobs)::int as jobs, sum(deliveries)::int as deliveries from (
            select date_trunc('minute', created_at) as minute, count(*) as jobs, 0 as deliveries
            from jobs where created_at >= ${from} and created_at < ${to} group by 1
            union all
            select date_trunc('minute', synced_at), 0, count(*)
            from job_routings where synced_at >= ${from} and synced_at < ${to} group by 1
          ) counts group by minute order by minute`),

    claimBreaches: (dueBefore, now, limit) =>
      db.rows("sla.claimBreaches", BreachRow, (sql) =>
        sql`
          with due as (
            select r.id from job_routings r join jobs j on j.id = r.job_id
            where r.sla_breach_logged_at is null
              and r.sync_status in ('pending', 'retrying', 'syncing', 'failed')
              and greatest(j.created_at, j.deliver_after) < ${dueBefore}
            order by greatest(j.created_at, j.deliver_after), r.id
            limit ${limit}
            for update of r skip locked
          )
          update job_routings r set sla_breach_logged_at = ${now}
          from due, jobs j
          where r.id = due.id and j.id = r.job_id and r.sla_breach_logged_at is null
          returning r.id, r.job_id, r.company_id_received, greatest(j.created_at, j.deliver_after) as due_at, r.sync_status`).pipe(
          Effect.map((breaches) => [...breaches].sort(byDue))
        )
  })
)
