import { Option } from "effect"
import type { LeadState, LeadStatus } from "../../../src/services/Providers.ts"
import type { Job, Waiting } from "./schemas.ts"

/**
 * Booking and lead statuses on the common set. Converted without a job we can see (the job is not made yet, or not
 * visible to the app) is still pending: the lead exists and nobody dismissed it.
 */
const WAITING_STATUSES: Readonly<Record<string, LeadStatus>> = {
  new: "pending",
  accepted: "pending",
  open: "pending",
  converted: "pending",
  dismissed: "canceled"
}

/** Job `jobStatus` values on the common set. */
const JOB_STATUSES: Readonly<Record<string, LeadStatus>> = {
  scheduled: "scheduled",
  dispatched: "scheduled",
  hold: "scheduled",
  inprogress: "in_progress",
  completed: "completed",
  canceled: "canceled",
  cancelled: "canceled"
}

/** Statuses compared without case or spaces (`InProgress`, `In Progress`). */
const lookup = (table: Readonly<Record<string, LeadStatus>>, value: string) =>
  Option.fromNullable(table[value.replace(/[\s_]/g, "").toLowerCase()])

const validDate = (text: string | null | undefined): Option.Option<Date> =>
  Option.filter(Option.map(Option.fromNullable(text), (value) => new Date(value)), (date) => !Number.isNaN(date.getTime()))

/** The job a booking or lead was converted into, when it names one. */
export const convertedJobId = (item: Waiting): Option.Option<string> => Option.fromNullable(item.jobId)

/** The state of a booking or lead with no job to follow; none for a status we do not know. */
export const waitingState = (item: Waiting): Option.Option<LeadState> =>
  Option.map(lookup(WAITING_STATUSES, item.status), (status) => ({
    externalId: item.id,
    status,
    jobId: Option.none(),
    revenueCents: Option.none(),
    completedAt: Option.none()
  }))

/**
 * The state of the booking or lead `externalId` through the job it became: the job's status, its total (dollars, here
 * in cents) and its completion time where it has them. None for a `jobStatus` we do not know.
 */
export const jobState = (externalId: string, job: Job): Option.Option<LeadState> =>
  Option.map(lookup(JOB_STATUSES, job.jobStatus), (status) => ({
    externalId,
    status,
    jobId: Option.some(job.id),
    revenueCents: Option.map(Option.fromNullable(job.total), (dollars) => Math.round(dollars * 100)),
    completedAt: validDate(job.completedOn)
  }))

/** A booking's or lead's state: through its job when it was converted and the job was found, else its own. */
export const stateOf = (item: Waiting, jobs: ReadonlyMap<string, Job>): Option.Option<LeadState> =>
  Option.match(Option.flatMap(convertedJobId(item), (id) => Option.fromNullable(jobs.get(id))), {
    onNone: () => waitingState(item),
    onSome: (job) => jobState(item.id, job)
  })
