import { Duration } from "effect"
import { InvalidInput } from "./errors.ts"

/** How far ahead a job may ask its delivery to wait. */
export const MAX_DELIVER_AHEAD = Duration.days(30)

/**
 * A job's `deliver_after` as the client sent it, checked at `now`: refused when more than `MAX_DELIVER_AHEAD` ahead.
 * A time already past (or now) is taken: the job is delivered at once.
 */
export const deliverAfterError = (deliverAfter: Date | null, now: Date): InvalidInput | null =>
  deliverAfter !== null && deliverAfter.getTime() - now.getTime() > Duration.toMillis(MAX_DELIVER_AHEAD)
    ? new InvalidInput({
      message: "deliver_after is too far ahead",
      details: [{ path: "deliver_after", message: "at most 30 days ahead" }]
    })
    : null

/** True when a job accepted at `acceptedAt` waits before delivery: its `deliverAfter` is later. */
export const isScheduled = (deliverAfter: Date | null, acceptedAt: Date): boolean =>
  deliverAfter !== null && deliverAfter.getTime() > acceptedAt.getTime()

/** When a job's routings are due, and their SLA starts: its acceptance, or its `deliverAfter` when that is later. */
export const dueAt = (job: { readonly createdAt: Date; readonly deliverAfter: Date | null }): Date =>
  isScheduled(job.deliverAfter, job.createdAt) ? job.deliverAfter! : job.createdAt
