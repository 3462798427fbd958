import type { z } from "@hono/zod-openapi"
import type { Context } from "hono"
import { companyReport, dailyReport } from "../../../programs/reports.ts"
import type { ReportFigures } from "../../domain/reports.ts"
import { acceptsCsv, csvOf } from "../csv.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { CompanyReportView, DailyReportView, ReportCsv, ReportQuery } from "../schemas/reports.ts"
import type { ReportsRepo } from "../../services/Reports.ts"

const FIGURES = [
  "delivered",
  "completed",
  "canceled",
  "revenue",
  "conversion_rate",
  "delivery_p50_ms",
  "delivery_p95_ms"
] as const

const figuresView = (f: ReportFigures & { readonly conversionRate: number }) => ({
  delivered: f.delivered,
  completed: f.completed,
  canceled: f.canceled,
  revenue: f.revenue,
  conversion_rate: f.conversionRate,
  delivery_p50_ms: f.deliveryP50Ms,
  delivery_p95_ms: f.deliveryP95Ms
})

const dateOf = (at: Date) => at.toISOString().slice(0, 10)

/** The period and company a report's query asks for. */
const reportQuery = (query: z.output<typeof ReportQuery>) => ({
  from: query.from ?? null,
  to: query.to ?? null,
  companyId: query.company_id ?? null
})

/**
 * The report as JSON, or as a CSV download named after it and its period (its items' `columns`) when `Accept` names
 * `text/csv`.
 */
const reportAnswer = <K extends string, Item extends Readonly<Record<K, string | number | null>>>(
  c: Context,
  name: string,
  columns: ReadonlyArray<K>,
  report: { readonly from: Date; readonly to: Date; readonly items: ReadonlyArray<Item> }
) =>
  acceptsCsv(c.req.header("accept"))
    ? c.body(csvOf(columns, report.items), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}-${dateOf(report.from)}-${dateOf(report.to)}.csv"`,
      vary: "Accept"
    })
    : c.json({ from: report.from.toISOString(), to: report.to.toISOString(), items: report.items }, 200, { vary: "Accept" })

const answers = (description: string, schema: typeof CompanyReportView | typeof DailyReportView) => ({
  description: `${description}; CSV (the items' fields as columns) when \`Accept\` names \`text/csv\``,
  content: { "application/json": { schema }, "text/csv": { schema: ReportCsv } }
})

/** The services the report routes may use. */
export type ReportServices = ReportsRepo

/** Reports (admin, viewer; a company key for its own company): figures per receiving company and per UTC day. */
export const reportRoutes = (run: Run<ReportServices>) => {
  const routes = routesTagged("reports")

  routes.get("/reports/companies", {
    summary: "Leads delivered, completed and canceled, revenue, conversion and delivery time per receiving company",
    description: "Over the routings delivered in [from, to) (by when the provider accepted the lead), of the live " +
      "tables (archived jobs are not counted); companies with no delivery in the period are left out.",
    request: { query: ReportQuery },
    responses: { 200: answers("The figures per company, by name", CompanyReportView) }
  }, async (c) => {
    const report = await run(c, companyReport(reportQuery(c.req.valid("query"))))
    const items = report.items.map((row) => ({ company_id: row.companyId, company_name: row.companyName, ...figuresView(row) }))
    return reportAnswer(c, "companies", ["company_id", "company_name", ...FIGURES], { ...report, items })
  })

  routes.get("/reports/daily", {
    summary: "The same figures per UTC day, across receiving companies (or of one)",
    description: "Every UTC day the period touches, oldest first, zeros included; a day only partly in the period " +
      "counts its part. Over the routings delivered in [from, to), of the live tables (archived jobs are not counted).",
    request: { query: ReportQuery },
    responses: { 200: answers("The figures per day", DailyReportView) }
  }, async (c) => {
    const report = await run(c, dailyReport(reportQuery(c.req.valid("query"))))
    const items = report.items.map((row) => ({ day: dateOf(row.day), ...figuresView(row) }))
    return reportAnswer(c, "daily", ["day", ...FIGURES], { ...report, items })
  })

  return routes.router
}
