import { Duration, Effect } from "effect"
import { InvalidInput } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import {
  conversionRate,
  DAY_MS,
  dayStart,
  daysOf,
  DEFAULT_REPORT_PERIOD,
  MAX_REPORT_PERIOD,
  noFigures,
  type ReportQuery
} from "../src/domain/reports.ts"
import { now } from "../src/domain/time.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { ReportsRepo } from "../src/services/Reports.ts"
import { requireReadingFor } from "./access.ts"

/** A report's period and company as the caller asked: any of them may be left out. */
export interface ReportRequest {
  readonly from: Date | null
  readonly to: Date | null
  readonly companyId: CompanyId | null
}

/**
 * The query a request stands for: `to` defaults to the end of the current UTC day and `from` to 30 days before `to`;
 * `from` must come before `to`, at most 366 days apart. The admin and a viewer see every company (or the one they
 * name); a company key sees its own company only, and is refused another.
 */
const resolve = Effect.fn("Reports.resolve")(function*(request: ReportRequest) {
  const principal = yield* CurrentPrincipal
  const companyId = request.companyId ?? (principal.role === "company" ? principal.companyId : null)
  if (companyId !== null) yield* requireReadingFor(companyId)
  const to = request.to ?? new Date(dayStart(yield* now).getTime() + DAY_MS)
  const from = request.from ?? new Date(to.getTime() - Duration.toMillis(DEFAULT_REPORT_PERIOD))
  if (from >= to) {
    return yield* new InvalidInput({
      message: "the period is empty",
      details: [{ path: "from", message: "must be before to" }]
    })
  }
  if (to.getTime() - from.getTime() > Duration.toMillis(MAX_REPORT_PERIOD)) {
    return yield* new InvalidInput({
      message: "the period is too long",
      details: [{ path: "to", message: "at most 366 days after from" }]
    })
  }
  return { from, to, companyId } satisfies ReportQuery
})

/** Per receiving company with a delivery in the period: its figures and conversion rate, by company name. */
export const companyReport = Effect.fn("Reports.byCompany")(function*(request: ReportRequest) {
  const query = yield* resolve(request)
  const rows = yield* (yield* ReportsRepo).byCompany(query)
  return { from: query.from, to: query.to, items: rows.map((row) => ({ ...row, conversionRate: conversionRate(row) })) }
})

/** Per UTC day the period touches, oldest first, every day present (zeros included): the figures across companies. */
export const dailyReport = Effect.fn("Reports.byDay")(function*(request: ReportRequest) {
  const query = yield* resolve(request)
  const rows = yield* (yield* ReportsRepo).byDay(query)
  const byDay = new Map(rows.map((row) => [row.day.getTime(), row]))
  const items = daysOf(query.from, query.to).map((day) => {
    const figures = byDay.get(day.getTime()) ?? noFigures
    return { ...figures, day, conversionRate: conversionRate(figures) }
  })
  return { from: query.from, to: query.to, items }
})
