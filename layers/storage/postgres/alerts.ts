import { Effect, Schema } from "effect"
import { Alert } from "../../../src/domain/alerts.ts"
import { CompanyId } from "../../../src/domain/ids.ts"
import { AlertRepo } from "../../../src/services/Alerts.ts"
import { repository } from "./repository.ts"
import { columnsOf, rowOf } from "./rows.ts"

const AlertRow = rowOf(Alert)
const ALERT_COLUMNS = columnsOf(Alert)

const CountRow = Schema.Struct({ total: Schema.Int })

const FlagRow = Schema.Struct({ inserted: Schema.Boolean })

const ToAnnounceRow = Schema.Struct({ company_id: CompanyId, state: Schema.Literal("open", "closed") })

/** Stands for "no routing" in the open-alert key (a company's alerts), as `routing_key` has it. */
const NO_ROUTING = "00000000-0000-0000-0000-000000000000"

/** Alerts on PostgreSQL: `alerts` (one open per key, by a partial unique index) and `circuit_announcements`. */
export const layer = repository(AlertRepo, (db) =>
  AlertRepo.of({
    // xmax is 0 on a row this statement inserted, and set on one it updated.
    raise: (alert) =>
      db.rows("alerts.raise", FlagRow, (sql) =>
        sql`
          insert into alerts (id, kind, company_id, routing_id, job_id, message, opened_at)
          values (${alert.id}, ${alert.kind}, ${alert.companyId}, ${alert.routingId}, ${alert.jobId}, ${alert.message}, ${alert.openedAt})
          on conflict (kind, company_id, routing_key) where resolved_at is null
          do update set message = excluded.message
          returning (xmax = 0) as inserted`).pipe(
        Effect.map((rows) => rows[0]?.inserted ?? false)
      ),
    resolve: (key, at) =>
      db.query("alerts.resolve", (sql) =>
        sql`
          update alerts set resolved_at = ${at}
          where kind = ${key.kind} and company_id = ${key.companyId}
            and routing_key = ${key.routingId ?? NO_ROUTING}::uuid
            and resolved_at is null
          returning id`).pipe(Effect.map((rows) => rows.length > 0)),
    resolveMany: (keys, at) =>
      keys.length === 0 ? Effect.succeed(0) : db.query("alerts.resolveMany", (sql) =>
        sql`
          update alerts set resolved_at = ${at}
          where resolved_at is null and (kind, company_id, routing_key) in (
            select * from unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.companyId)}::uuid[],
              ${keys.map((k) => k.routingId ?? NO_ROUTING)}::uuid[]))
          returning id`).pipe(Effect.map((rows) => rows.length)),
    resolveSettled: (at) =>
      db.query("alerts.resolveSettled", (sql) =>
        sql`
          update alerts a set resolved_at = ${at}
          where a.resolved_at is null and a.kind in ('sla.breached', 'dead_letter.added')
            and not exists (
              select 1 from job_routings r
              where r.id = a.routing_id
                and (case when a.kind = 'sla.breached' then r.sync_status not in ('synced', 'canceled', 'failed')
                     else r.sync_status = 'failed' end)
            )
          returning id`).pipe(Effect.map((rows) => rows.length)),
    forgetResolved: (resolvedBefore) =>
      db.query("alerts.forgetResolved", (sql) =>
        sql`delete from alerts where resolved_at < ${resolvedBefore} returning id`).pipe(Effect.map((rows) => rows.length)),
    open: (limit) =>
      Effect.all({
        items: db.rows("alerts.open", AlertRow, (sql) =>
          sql`
            select ${sql(ALERT_COLUMNS)} from alerts
            where resolved_at is null order by opened_at desc, id desc limit ${limit}`),
        total: db.rows("alerts.count", CountRow, (sql) => sql`select count(*)::int as total from alerts where resolved_at is null`).pipe(
          Effect.map((rows) => rows[0]?.total ?? 0)
        )
      }),
    claimCircuitAnnouncement: (companyId, state, at, announcedBefore) =>
      db.query("alerts.claimCircuitAnnouncement", (sql) =>
        sql`
          insert into circuit_announcements (company_id, state, announced_at) values (${companyId}, ${state}, ${at})
          on conflict (company_id) do update set state = excluded.state, announced_at = excluded.announced_at
          where circuit_announcements.state <> excluded.state and circuit_announcements.announced_at <= ${announcedBefore}
          returning company_id`).pipe(Effect.map((rows) => rows.length > 0)),
    circuitsToAnnounce: (announcedBefore) =>
      db.rows("alerts.circuitsToAnnounce", ToAnnounceRow, (sql) =>
        sql`
          select a.company_id, case when c.company_id is null then 'closed' else 'open' end as state
          from circuit_announcements a left join company_circuits c on c.company_id = a.company_id
          where a.announced_at <= ${announcedBefore}
            and a.state <> case when c.company_id is null then 'closed' else 'open' end`).pipe(
        Effect.map((rows) => rows.map((row) => ({ companyId: row.company_id, state: row.state })))
      )
  })
)
