import { Schema } from "effect"
import type { LeadRequest } from "../../../src/services/Providers.ts"

/** The `lead_source` every lead we create carries, so the company can tell where it came from. */
export const LEAD_SOURCE = "service-integration"

/**
 * The country sent with every address. Our addresses carry a state and a ZIP code and no country: they are in the US,
 * the market Housecall Pro serves.
 */
const COUNTRY = "US"

/** An id as Housecall Pro answers it (a non-empty string; a number is accepted and kept as text). */
const IdText = Schema.Union(
  Schema.NonEmptyString,
  Schema.Number.pipe(Schema.transform(Schema.String, { strict: true, decode: String, encode: Number }))
)

/** The answer to `POST /leads`: only its id is used. */
export const CreatedLead = Schema.Struct({ id: IdText })

/**
 * A lead from `GET /leads/{id}`. `status` is open, won or lost. PROVIDERS.md does not name the field that carries the
 * job a won lead became (`POST /leads/{id}/convert` makes it); we read `job_id`, the name Housecall Pro uses for job
 * references elsewhere. A won lead without one (converted to an estimate, say) is still followed as a lead.
 */
export const Lead = Schema.Struct({
  id: IdText,
  status: Schema.String,
  job_id: Schema.optional(Schema.NullOr(IdText))
})
export type Lead = typeof Lead.Type

/**
 * A job from `GET /jobs/{id}`: `work_status` with spaces (`needs scheduling`, `complete rated`, ...), `total_amount` in
 * cents. `completed_at` is kept as text and read leniently, so one odd timestamp does not fail a whole batch.
 */
export const Job = Schema.Struct({
  id: IdText,
  work_status: Schema.String,
  work_timestamps: Schema.optional(Schema.NullOr(Schema.Struct({
    completed_at: Schema.optional(Schema.NullOr(Schema.String))
  }))),
  total_amount: Schema.optional(Schema.NullOr(Schema.Number))
})
export type Job = typeof Job.Type

/** A page of `GET /jobs`; only its shape is checked (the credentials probe reads nothing from it). */
export const JobsPage = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

/** The homeowner's name as first and last name: the first word, then the rest (left out when there is none). */
const splitName = (name: string) => {
  const [first = "", ...rest] = name.trim().split(/\s+/)
  return { first_name: first, ...(rest.length > 0 ? { last_name: rest.join(" ") } : {}) }
}

/**
 * The `POST /leads` body for a routing: the homeowner as a new customer (with the job's address), the service address,
 * our lead source, and a note holding the job summary, its priority and our reference `ref:<routing id>` (Housecall Pro
 * has no external-reference field). Optional values we do not have are left out rather than sent empty.
 */
export const leadBody = (request: LeadRequest) => {
  const { address, homeowner } = request.job
  const leadAddress = {
    street: address.street,
    ...(address.unit !== undefined && address.unit !== "" ? { street_line_2: address.unit } : {}),
    city: address.city,
    state: address.state,
    zip: address.zipCode,
    country: COUNTRY
  }
  return {
    customer: {
      ...splitName(homeowner.name),
      ...(homeowner.email !== undefined ? { email: homeowner.email } : {}),
      ...(homeowner.phone !== undefined ? { mobile_number: homeowner.phone } : {}),
      addresses: [leadAddress]
    },
    address: leadAddress,
    lead_source: LEAD_SOURCE,
    note: [request.job.summary, `Priority: ${request.job.priority}`, `ref:${request.routing.id}`].join("\n")
  }
}
