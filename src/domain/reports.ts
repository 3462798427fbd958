import { Duration } from "effect"
import type { CompanyId } from "./ids.ts"

/** The longest period a report covers. */
export const MAX_REPORT_PERIOD = Duration.days(366)

/** The period a report covers when the caller names none: the 30 days up to the end of the current UTC day. */
export const DEFAULT_REPORT_PERIOD = Duration.days(30)

/** One UTC day in milliseconds. */
export const DAY_MS = 86_400_000

/** Routings delivered from `from` (inclusive) to `to` (exclusive), of every receiving company or of one. */
export interface ReportQuery {
  readonly from: Date
  readonly to: Date
  readonly companyId: CompanyId | null
}

/**
 * What a report adds up over routings delivered (their lead accepted by the provider) in a period: how many, how many
 * the provider then reported completed, how many were canceled after delivery (by us or by the provider), the revenue
 * of the completed ones, and the delivery time percentiles (`percentile_disc`; null when none).
 */
export interface ReportFigures {
  readonly delivered: number
  readonly completed: number
  readonly canceled: number
  readonly revenue: number
  readonly deliveryP50Ms: number | null
  readonly deliveryP95Ms: number | null
}

/** The figures of one receiving company. */
export interface CompanyFigures extends ReportFigures {
  readonly companyId: CompanyId
  readonly companyName: string
}

/** The figures of one UTC day (its start). */
export interface DayFigures extends ReportFigures {
  readonly day: Date
}

/** The figures of a day or company with no delivery. */
export const noFigures: ReportFigures = {
  delivered: 0,
  completed: 0,
  canceled: 0,
  revenue: 0,
  deliveryP50Ms: null,
  deliveryP95Ms: null
}

/** Completed over delivered, rounded to 4 decimals; 0 when nothing was delivered. */
export const conversionRate = (figures: ReportFigures): number =>
  figures.delivered === 0 ? 0 : Math.round((figures.completed / figures.delivered) * 10_000) / 10_000

/** Money rounded to cents, as `numeric(14, 2)` holds it. */
export const roundRevenue = (revenue: number): number => Math.round(revenue * 100) / 100

/** The start of the UTC day `at` falls in. */
export const dayStart = (at: Date): Date => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS)

/** The start of every UTC day the period `[from, to)` touches, oldest first. */
export const daysOf = (from: Date, to: Date): Array<Date> => {
  const days: Array<Date> = []
  for (let day = dayStart(from).getTime(); day < to.getTime(); day += DAY_MS) days.push(new Date(day))
  return days
}
