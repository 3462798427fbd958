import { Option, Schema } from "effect"
import type { LeadState, LeadStatus } from "../../../src/services/Providers.ts"
import type { Operation } from "./graphql.ts"

/** Requests asked for in one GraphQL query, each under its own alias. */
export const STATUS_BATCH = 25

/**
 * A request followed to its job. PROVIDERS.md documents only `job(id) { jobStatus completedAt total updatedAt }`; we
 * store the request id (the lead), so we read the request's first job through its `jobs` connection and take the same
 * job fields there. A request converted into several jobs is followed by the first one Jobber lists.
 */
const REQUEST_FIELDS = "id status jobs(first: 1) { nodes { id jobStatus completedAt total } }"

const JobNode = Schema.Struct({
  id: Schema.String,
  jobStatus: Schema.String,
  completedAt: Schema.optional(Schema.NullOr(Schema.Date)),
  /** The job's total in the account's currency (dollars, with cents as decimals). */
  total: Schema.optional(Schema.NullOr(Schema.Number))
})

const RequestNode = Schema.Struct({
  id: Schema.String,
  status: Schema.optional(Schema.NullOr(Schema.String)),
  jobs: Schema.optional(Schema.NullOr(Schema.Struct({ nodes: Schema.Array(JobNode) })))
})
type RequestNode = typeof RequestNode.Type

/** Each alias's request; null for ids Jobber does not know (those come with a field error on the alias). */
const RequestStates = Schema.Record({ key: Schema.String, value: Schema.NullOr(RequestNode) })

/** The query for a batch of request ids, aliased `r0`, `r1`, ... in the order given. */
export const requestStates = (ids: ReadonlyArray<string>): Operation<typeof RequestStates.Type, typeof RequestStates.Encoded> => ({
  name: "RequestStates",
  query: `query RequestStates(${ids.map((_, i) => `$r${i}: EncodedId!`).join(", ")}) { ` +
    ids.map((_, i) => `r${i}: request(id: $r${i}) { ${REQUEST_FIELDS} }`).join(" ") + " }",
  variables: Object.fromEntries(ids.map((id, i) => [`r${i}`, id])),
  data: RequestStates,
  read: true
})

/** Job statuses on the common set (PROVIDERS.md); `archived` depends on `completedAt` and is decided below. */
const JOB_STATUS: Readonly<Record<string, LeadStatus>> = {
  unscheduled: "pending",
  action_required: "pending",
  on_hold: "pending",
  upcoming: "scheduled",
  today: "scheduled",
  late: "scheduled",
  active: "scheduled",
  requires_invoicing: "completed"
}

/** A job status Jobber answers, on the common set; none for a status PROVIDERS.md does not name. */
export const jobStatusOf = (jobStatus: string, completedAt: Date | null | undefined): Option.Option<LeadStatus> => {
  const key = jobStatus.trim().toLowerCase()
  if (key === "archived") return Option.some(completedAt ? "completed" : "canceled")
  return Option.fromNullable(JOB_STATUS[key])
}

/** The job status of a request's job that PROVIDERS.md does not name (it reads as pending), for a warning. */
export const unknownJobStatus = (request: RequestNode): Option.Option<string> => {
  const job = request.jobs?.nodes[0]
  return job !== undefined && Option.isNone(jobStatusOf(job.jobStatus, job.completedAt)) ? Option.some(job.jobStatus) : Option.none()
}

/**
 * A request's state: its first job's once it has one (revenue from the job's total, in cents; the completion time once
 * completed); before that pending, or canceled when the request itself was archived without becoming a job
 * (PROVIDERS.md is silent on request statuses; an archived request will not be worked). Unknown job statuses read as
 * pending.
 */
export const stateOf = (externalId: string, request: RequestNode): LeadState => {
  const job = request.jobs?.nodes[0]
  if (job === undefined) {
    const archived = request.status?.trim().toLowerCase() === "archived"
    return {
      externalId,
      status: archived ? "canceled" : "pending",
      jobId: Option.none(),
      revenueCents: Option.none(),
      completedAt: Option.none()
    }
  }
  const status = Option.getOrElse(jobStatusOf(job.jobStatus, job.completedAt), () => "pending" as const)
  return {
    externalId,
    status,
    jobId: Option.some(job.id),
    revenueCents: Option.map(Option.fromNullable(job.total), (total) => Math.round(total * 100)),
    completedAt: status === "completed" ? Option.fromNullable(job.completedAt) : Option.none()
  }
}
