import { Option } from "effect"
import type { LeadState, LeadStatus } from "../../../src/services/Providers.ts"
import type { Job, Lead } from "./schemas.ts"

/** Job `work_status` values (with spaces, as Housecall Pro sends them) on the common set. */
const WORK_STATUSES: Readonly<Record<string, LeadStatus>> = {
  "needs scheduling": "pending",
  "scheduled": "scheduled",
  "in progress": "in_progress",
  "complete unrated": "completed",
  "complete rated": "completed",
  "user canceled": "canceled",
  "pro canceled": "canceled"
}

/** Lead statuses on the common set; `won` is not here: a won lead is followed through its job. */
const LEAD_STATUSES: Readonly<Record<string, LeadStatus>> = { open: "pending", lost: "canceled" }

/** The status for a job's `work_status`; none for a value we do not know. */
const workStatus = (value: string): Option.Option<LeadStatus> => Option.fromNullable(WORK_STATUSES[value])

/** The job a lead was converted into, when it was won and names one. */
export const convertedJobId = (lead: Lead): Option.Option<string> =>
  lead.status === "won" ? Option.fromNullable(lead.job_id) : Option.none()

/**
 * The state of the lead `externalId` when it has no job to follow: open is pending, lost is canceled, won without a
 * job (converted to something else than a job) stays pending. None for a status we do not know.
 */
export const leadState = (externalId: string, lead: Lead): Option.Option<LeadState> => {
  const status = lead.status === "won" ? "pending" : LEAD_STATUSES[lead.status]
  return status === undefined ? Option.none() : Option.some({
    externalId,
    status,
    jobId: Option.none(),
    revenueCents: Option.none(),
    completedAt: Option.none()
  })
}

const validDate = (text: string | null | undefined): Option.Option<Date> =>
  Option.filter(Option.map(Option.fromNullable(text), (value) => new Date(value)), (date) => !Number.isNaN(date.getTime()))

/**
 * The state of the lead `externalId` through the job it became: the job's status, its total (already in cents) and its
 * completion time where it has them. None for a `work_status` we do not know.
 */
export const jobState = (externalId: string, job: Job): Option.Option<LeadState> =>
  Option.map(workStatus(job.work_status), (status) => ({
    externalId,
    status,
    jobId: Option.some(job.id),
    revenueCents: Option.map(Option.fromNullable(job.total_amount), Math.round),
    completedAt: validDate(job.work_timestamps?.completed_at)
  }))
