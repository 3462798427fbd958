import { Schema } from "effect"
import type { Priority } from "../../../src/domain/job.ts"
import type { ServiceTitanConfig } from "../../../src/domain/providerSettings.ts"
import type { LeadRequest } from "../../../src/services/Providers.ts"

/** The `source` every booking we create carries, so the company can tell where it came from. */
export const BOOKING_SOURCE = "service-integration"

/** Our addresses carry a state and a ZIP code and no country: they are in the US, the market ServiceTitan serves. */
const COUNTRY = "USA"

const PRIORITIES: Readonly<Record<Priority, string>> = { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" }

/** An id as ServiceTitan answers it (a 64-bit integer in JSON), kept as text. */
const IdText = Schema.Union(
  Schema.NonEmptyString,
  Schema.Number.pipe(Schema.transform(Schema.String, { strict: true, decode: String, encode: Number }))
)

/** The token endpoint's answer; `expires_in` in seconds. */
export const IssuedToken = Schema.Struct({
  access_token: Schema.NonEmptyString,
  expires_in: Schema.Number.pipe(Schema.positive())
})

/** The answer to a create (booking or lead): only its id is used. */
export const Created = Schema.Struct({ id: IdText })

/** A page of a list endpoint: `page` from 1, `hasMore` when another page follows. */
export const Page = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({
    page: Schema.Number,
    pageSize: Schema.Number,
    hasMore: Schema.Boolean,
    totalCount: Schema.optional(Schema.NullOr(Schema.Number)),
    data: Schema.Array(item)
  })

/** A booking or a lead: `status` (New, Accepted, Converted, Dismissed / Open, Dismissed, Converted), and the job it became. */
export const Waiting = Schema.Struct({
  id: IdText,
  status: Schema.String,
  jobId: Schema.optional(Schema.NullOr(IdText)),
  externalId: Schema.optional(Schema.NullOr(Schema.String))
})
export type Waiting = typeof Waiting.Type

/** A job from `/jpm/v2/.../jobs`: `total` in dollars; `completedOn` kept as text and read leniently. */
export const Job = Schema.Struct({
  id: IdText,
  jobStatus: Schema.String,
  completedOn: Schema.optional(Schema.NullOr(Schema.String)),
  total: Schema.optional(Schema.NullOr(Schema.Number))
})
export type Job = typeof Job.Type

/** The ids, campaign, business unit and job type every create carries, with the job's priority. */
const classification = (request: LeadRequest, config: ServiceTitanConfig) => ({
  campaignId: config.campaign_id,
  businessUnitId: config.business_unit_id,
  jobTypeId: config.job_type_id,
  priority: PRIORITIES[request.job.priority]
})

const present = (text: string | undefined): text is string => text !== undefined && text.trim() !== ""

/**
 * The booking body for a routing: the homeowner's name and contacts, the job's summary and address, our routing id as
 * `externalId`, and the account's campaign, business unit and job type. Values we do not have are left out.
 */
export const bookingBody = (request: LeadRequest, config: ServiceTitanConfig) => {
  const { address, homeowner } = request.job
  const contacts = [
    ...(present(homeowner.phone) ? [{ type: "Phone", value: homeowner.phone }] : []),
    ...(present(homeowner.email) ? [{ type: "Email", value: homeowner.email }] : [])
  ]
  return {
    source: BOOKING_SOURCE,
    name: homeowner.name,
    summary: request.job.summary,
    isFirstTimeClient: true,
    externalId: request.routing.id,
    address: {
      street: address.street,
      ...(present(address.unit) ? { unit: address.unit } : {}),
      city: address.city,
      state: address.state,
      zip: address.zipCode,
      country: COUNTRY
    },
    ...(contacts.length > 0 ? { contacts } : {}),
    ...classification(request, config)
  }
}

/**
 * The lead body (for accounts without a booking provider). A lead has no customer or external-reference field we can
 * fill, so the summary carries the homeowner, the address and our reference after the job's summary; `followUpDate`
 * (now) is sent because newer API versions want it or a call reason.
 */
export const leadBody = (request: LeadRequest, config: ServiceTitanConfig, now: Date) => {
  const { address, homeowner } = request.job
  const street = [address.street, address.unit].filter(present).join(", ")
  const summary = [
    request.job.summary,
    `Homeowner: ${[homeowner.name, homeowner.phone, homeowner.email].filter(present).join(", ")}`,
    `Address: ${street}, ${address.city}, ${address.state} ${address.zipCode}`,
    `Reference: ${request.routing.id}`
  ].join("\n")
  return { summary, followUpDate: now.toISOString(), ...classification(request, config) }
}
