import { Clock, Effect } from "effect"

/** The current time as a `Date`, read through `Clock` so tests can move it. */
export const now: Effect.Effect<Date> = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

/** Dates PostgreSQL and RFC 3339 both take: years 1 to 9999. */
export const isStorableDate = (date: Date): boolean => {
  const year = date.getUTCFullYear()
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999
}
