import { z } from "@hono/zod-openapi"
import { CompanyId } from "../../domain/ids.ts"
import { isStorableDate } from "../../domain/time.ts"
import { DateTimeInput, idOf, Timestamp } from "./common.ts"

const datePattern = /^\d{4}-\d{2}-\d{2}$/

/** An RFC 3339 date (the start of that UTC day) or date-time with its offset. */
const ReportTime = (name: string, description: string) =>
  z.string().max(40).transform((text, ctx) => {
    if (datePattern.test(text)) {
      const day = new Date(`${text}T00:00:00.000Z`)
      if (isStorableDate(day) && day.toISOString().startsWith(text)) return day
    } else {
      const time = DateTimeInput.safeParse(text)
      if (time.success) return time.data
    }
    ctx.addIssue({ code: "custom", message: "an RFC 3339 date (2026-01-31) or date-time with its offset" })
    return z.NEVER
  }).optional().openapi({ param: { name, in: "query" }, type: "string", example: "2026-01-01", description })

/** `?from=&to=&company_id=` of both reports. */
export const ReportQuery = z.object({
  from: ReportTime(
    "from",
    "Start of the period (inclusive): a date (that UTC day's start) or a date-time; default 30 days before `to`"
  ),
  to: ReportTime(
    "to",
    "End of the period (exclusive): a date (that UTC day's start) or a date-time; default the end of the current " +
      "UTC day. After `from`, at most 366 days after it"
  ),
  company_id: idOf(CompanyId).optional().openapi({
    param: { name: "company_id", in: "query" },
    type: "string",
    format: "uuid",
    description: "Only this receiving company. A company key reads its own company only (the default for it); " +
      "another company is 403"
  })
})

const Figures = {
  delivered: z.number().int().openapi({
    description: "Routings delivered in the period: their lead accepted by the provider (`synced_at` in the period), " +
      "whatever became of them after"
  }),
  completed: z.number().int().openapi({ description: "Of those, the ones the provider reported completed" }),
  canceled: z.number().int().openapi({
    description: "Of those, the ones canceled after delivery: by us (the job canceled) or at the provider"
  }),
  revenue: z.number().openapi({ description: "The completed ones' revenue as the provider reported it, summed" }),
  conversion_rate: z.number().openapi({ description: "completed / delivered, rounded to 4 decimals; 0 when none" }),
  delivery_p50_ms: z.number().nullable().openapi({
    description: "Median delivery time in milliseconds (job accepted, or its deliver_after when later, to the " +
      "provider's acceptance; percentile_disc); null when none"
  }),
  delivery_p95_ms: z.number().nullable().openapi({ description: "95th percentile delivery time; null when none" })
}

/** The answer of `GET /reports/companies`. */
export const CompanyReportView = z.object({
  from: Timestamp,
  to: Timestamp,
  items: z.array(z.object({
    company_id: z.string().openapi({ format: "uuid" }),
    company_name: z.string(),
    ...Figures
  }))
}).openapi("CompanyReport")

/** The answer of `GET /reports/daily`. */
export const DailyReportView = z.object({
  from: Timestamp,
  to: Timestamp,
  items: z.array(z.object({
    day: z.string().openapi({ format: "date", example: "2026-01-31", description: "The UTC day" }),
    ...Figures
  }))
}).openapi("DailyReport")

/** The CSV answer: the header row, then a row per item with the JSON items' fields in the same order. */
export const ReportCsv = z.string().openapi({ example: "company_id,company_name,delivered,...\r\n" })
