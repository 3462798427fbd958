import { Duration, Option } from "effect"

/**
 * The delivery SLA: a routing's lead accepted by the provider within 5 minutes of the job's acceptance, or of its
 * `deliverAfter` when that is later (see `dueAt`).
 */
export const SLA_DELIVERY = Duration.minutes(5)

/** The longest window `GET /admin/sla` reports on. */
export const MAX_SLA_WINDOW = Duration.days(90)

/** The span `GET /admin/sla` reports on, as the caller wrote it (`15m`, `1h`, `24h`, `7d`). */
export interface SlaWindow {
  readonly label: string
  readonly duration: Duration.Duration
}

const windowPattern = /^([1-9][0-9]{0,5})([mhd])$/
const unitMillis = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** A positive whole number of minutes (`m`), hours (`h`) or days (`d`), at most 90 days; none for anything else. */
export const parseSlaWindow = (text: string): Option.Option<SlaWindow> => {
  const match = windowPattern.exec(text)
  if (match === null) return Option.none()
  const millis = Number(match[1]) * unitMillis[match[2] as keyof typeof unitMillis]
  return millis <= Duration.toMillis(MAX_SLA_WINDOW)
    ? Option.some({ label: text, duration: Duration.millis(millis) })
    : Option.none()
}

/**
 * PostgreSQL's `percentile_disc`: the first value, in ascending order, whose position reaches the fraction `p` of the
 * values (the value at 1-based position ceil(p × n)); always one of the values. Null when there are none.
 */
export const percentileDisc = (ascending: ReadonlyArray<number>, p: number): number | null =>
  ascending.length === 0 ? null : ascending[Math.max(0, Math.ceil(p * ascending.length) - 1)]!

/** What `GET /admin/sla` reports for the routings of jobs accepted in a window. */
export interface SlaSummary {
  /** Routings whose lead the provider accepted. */
  readonly delivered: number
  /** Delivery latency percentiles in milliseconds (`percentile_disc`); null when nothing was delivered. */
  readonly p50Ms: number | null
  readonly p95Ms: number | null
  readonly p99Ms: number | null
  /** Routings delivered after more than the SLA, or still not delivered more than the SLA after they were due. */
  readonly breaches: number
}
