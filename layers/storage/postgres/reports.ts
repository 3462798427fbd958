import { Effect, Schema } from "effect"
import { CompanyId } from "../../../src/domain/ids.ts"
import { daysOf, type ReportFigures, roundRevenue } from "../../../src/domain/reports.ts"
import { ReportsRepo } from "../../../src/services/Reports.ts"
import type { Sql } from "../Db.ts"
import { repository } from "./repository.ts"

const Figures = {
  delivered: Schema.Int,
  completed: Schema.Int,
  canceled: Schema.Int,
  revenue: Schema.Number,
  percentiles: Schema.NullOr(Schema.Tuple(Schema.Number, Schema.Number))
}

const CompanyRow = Schema.Struct({ company_id: CompanyId, company_name: Schema.String, ...Figures })

const DayRow = Schema.Struct({ day: Schema.DateFromSelf, ...Figures })

const figuresOf = (row: Schema.Struct.Type<typeof Figures>): ReportFigures => ({
  delivered: row.delivered,
  completed: row.completed,
  canceled: row.canceled,
  revenue: roundRevenue(row.revenue),
  deliveryP50Ms: row.percentiles?.[0] ?? null,
  deliveryP95Ms: row.percentiles?.[1] ?? null
})

/** A group's figures over its routings `r`: the columns `Figures` decodes, both percentiles from one sort. */
const figureColumns = (sql: Sql) =>
  sql`
    count(*)::int as delivered,
    count(*) filter (where r.external_status = 'completed')::int as completed,
    count(*) filter (where r.sync_status = 'canceled' or r.external_status = 'canceled')::int as canceled,
    coalesce(sum(r.revenue) filter (where r.external_status = 'completed'), 0)::float8 as revenue,
    (percentile_disc(array[0.5, 0.95]) within group (order by r.delivery_ms))::float8[] as percentiles`

/**
 * The reports on PostgreSQL, each one range scan per group of a covering index (the summed columns included, so
 * index-only), so that nothing is sorted but each group's delivery times, once for both percentiles
 * (`percentile_disc` over an array of fractions): per company, of `job_routings_company_report_idx` (by company, then
 * `synced_at`); per day, of `job_routings_report_idx` (by `synced_at`).
 */
export const layer = repository(ReportsRepo, (db) =>
  ReportsRepo.of({
    byCompany: ({ companyId, from, to }) =>
      db.rows("reports.byCompany", CompanyRow, (sql) =>
        sql`
          select c.id as company_id, c.name as company_name, s.* from companies c
          cross join lateral (
            select
              ${figureColumns(sql)}
            from job_routings r
            where r.company_id_received = c.id and r.synced_at >= ${from} and r.synced_at < ${to}
          ) s
          where s.delivered > 0 ${companyId === null ? sql`` : sql`and c.id = ${companyId}`}
          order by c.name, c.id`).pipe(
          Effect.map((rows) =>
            rows.map((row) => ({ companyId: row.company_id, companyName: row.company_name, ...figuresOf(row) }))
          )
        ),

    byDay: ({ companyId, from, to }) => {
      const days = daysOf(from, to).map((day) => day.toISOString())
      return db.rows("reports.byDay", DayRow, (sql) =>
        sql`
          select d.day, s.* from unnest(${days}::timestamptz[]) as d(day)
          cross join lateral (
            select
              ${figureColumns(sql)}
            from job_routings r
            where r.synced_at >= greatest(d.day, ${from}) and r.synced_at < least(d.day + interval '1 day', ${to})
              ${companyId === null ? sql`` : sql`and r.company_id_received = ${companyId}`}
          ) s
          where s.delivered > 0
          order by d.day`).pipe(
        Effect.map((rows) => rows.map((row) => ({ day: row.day, ...figuresOf(row) })))
      )
    }
  })
)
