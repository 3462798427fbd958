import { Cron, DateTime, Duration, Either, Option, Schema } from "effect"

/** Cron fields a poll schedule has: minute, hour, day of month, month, day of week (no seconds). */
const CRON_FIELDS = 5

/** What is wrong with a poll schedule (five cron fields), or undefined when it parses. */
export const cronProblem = (expression: string): string | undefined => {
  const fields = expression.trim().split(/\s+/).filter((f) => f !== "")
  if (fields.length !== CRON_FIELDS) {
    return `expected a cron expression of ${CRON_FIELDS} fields (minute hour day-of-month month day-of-week), got ${fields.length}`
  }
  const parsed = Cron.parse(fields.join(" "))
  return Either.isLeft(parsed) ? `not a cron expression: ${parsed.left.message} (${JSON.stringify(parsed.left.input)})` : undefined
}

/** What is wrong with a time zone (an IANA name such as `America/Chicago`), or undefined when it is one. */
export const timeZoneProblem = (zone: string): string | undefined =>
  Option.isSome(DateTime.zoneMakeNamed(zone))
    ? undefined
    : `expected an IANA time zone such as America/Chicago, got ${JSON.stringify(zone)}`

/** A company's poll schedule: five cron fields, e.g. `*\/30 8-18 * * 1-5`. */
export const PollScheduleExpression = Schema.String.pipe(
  Schema.filter((s) => cronProblem(s) ?? true, { identifier: "PollScheduleExpression" })
)

/** An IANA time zone name. */
export const TimeZoneName = Schema.String.pipe(Schema.filter((s) => timeZoneProblem(s) ?? true, { identifier: "TimeZoneName" }))

/** When a company's delivered leads are polled: at the times of a cron expression, or every `interval`. */
export type PollPlan =
  | { readonly _tag: "Cron"; readonly cron: Cron.Cron; readonly key: string }
  | { readonly _tag: "Interval"; readonly interval: Duration.Duration; readonly key: string }

/** A company's polling settings as stored. */
export interface PollSettings {
  readonly pollSchedule: string | null
  readonly timeZone: string | null
  readonly pollIntervalSeconds: number | null
}

/**
 * The company's plan: its schedule, in its time zone (UTC when it has none), wins over its interval; without a schedule,
 * its interval or else `fallback`. A schedule or zone that does not parse (never stored by the API) falls back the
 * same way. `key` is equal for equal plans.
 */
export const pollPlanOf = (settings: PollSettings, fallback: Duration.Duration): PollPlan => {
  if (settings.pollSchedule !== null && cronProblem(settings.pollSchedule) === undefined) {
    const zone = DateTime.zoneMakeNamed(settings.timeZone ?? "UTC")
    const cron = Option.isSome(zone) ? Cron.parse(settings.pollSchedule.trim(), zone.value) : undefined
    if (cron !== undefined && Either.isRight(cron)) {
      return { _tag: "Cron", cron: cron.right, key: `cron ${settings.pollSchedule.trim()} ${settings.timeZone ?? "UTC"}` }
    }
  }
  const interval = settings.pollIntervalSeconds === null ? fallback : Duration.seconds(settings.pollIntervalSeconds)
  return { _tag: "Interval", interval, key: `every ${Duration.toMillis(interval)}` }
}

/**
 * How long a lead polled counts as fresh under `plan`: a round on an interval skips leads polled within it; a round
 * on a cron schedule polls every open lead.
 */
export const freshFor = (plan: PollPlan): Duration.Duration => (plan._tag === "Interval" ? plan.interval : Duration.zero)

/**
 * Leads last polled before the time this answers (at `now`, epoch milliseconds) are due in a round whose leads stay
 * fresh for `fresh`; with zero, every lead not polled during the round itself.
 */
export const dueBefore = (now: number, fresh: Duration.Duration): Date =>
  new Date(now - Math.max(0, Duration.toMillis(fresh) - 1))
