import { Effect, Option, Schema } from "effect"
import type { Job, Routing } from "../../../src/domain/job.ts"
import { ProviderError } from "../../../src/services/Providers.ts"
import type { Operation } from "./graphql.ts"

/** How much of the job's summary goes into the request title (the routing reference always follows it). */
const SUMMARY_LIMIT = 200

const UserError = Schema.Struct({
  message: Schema.String,
  path: Schema.optional(Schema.NullOr(Schema.Array(Schema.Union(Schema.String, Schema.Number))))
})
const UserErrors = Schema.Array(UserError)

const Id = Schema.Struct({ id: Schema.String })

const ClientCreated = Schema.Struct({
  clientCreate: Schema.NullOr(Schema.Struct({ client: Schema.NullOr(Id), userErrors: UserErrors }))
})
const PropertyCreated = Schema.Struct({
  propertyCreate: Schema.NullOr(Schema.Struct({ properties: Schema.NullOr(Schema.Array(Id)), userErrors: UserErrors }))
})
const RequestCreated = Schema.Struct({
  requestCreate: Schema.NullOr(Schema.Struct({ request: Schema.NullOr(Id), userErrors: UserErrors }))
})
const AccountData = Schema.Struct({ account: Schema.NullOr(Id) })

/** The client of the homeowner: the name split into first and last, the email and phone as the primary ones. */
export const clientCreate = (job: Job): Operation<typeof ClientCreated.Type, typeof ClientCreated.Encoded> => {
  const [firstName = "", ...rest] = job.homeowner.name.trim().split(/\s+/)
  const lastName = rest.join(" ")
  const input = {
    firstName,
    ...(lastName === "" ? {} : { lastName }),
    ...(job.homeowner.email === undefined ? {} : { emails: [{ address: job.homeowner.email, primary: true }] }),
    ...(job.homeowner.phone === undefined ? {} : { phones: [{ number: job.homeowner.phone, primary: true }] })
  }
  return {
    name: "ClientCreate",
    query: "mutation ClientCreate($input: ClientCreateInput!) { clientCreate(input: $input) { client { id } userErrors { message path } } }",
    variables: { input },
    data: ClientCreated,
    read: false
  }
}

/**
 * The job's address as the client's property. Our addresses carry no country, so none is sent rather than a guess
 * ("US" would be wrong for Canadian accounts).
 */
export const propertyCreate = (
  clientId: string,
  job: Job
): Operation<typeof PropertyCreated.Type, typeof PropertyCreated.Encoded> => ({
  name: "PropertyCreate",
  query: "mutation PropertyCreate($clientId: EncodedId!, $input: PropertyCreateInput!) " +
    "{ propertyCreate(clientId: $clientId, input: $input) { properties { id } userErrors { message path } } }",
  variables: {
    clientId,
    input: {
      properties: [{
        address: {
          street1: job.address.street,
          ...(job.address.unit === undefined ? {} : { street2: job.address.unit }),
          city: job.address.city,
          province: job.address.state,
          postalCode: job.address.zipCode
        }
      }]
    }
  },
  data: PropertyCreated,
  read: false
})

/** The title a human sees in Jobber: the summary, marked when urgent or high priority, then our routing reference. */
export const requestTitle = (job: Job, routing: Routing) => {
  const marker = job.priority === "urgent" ? "URGENT: " : job.priority === "high" ? "High priority: " : ""
  return `${marker}${job.summary.trim().slice(0, SUMMARY_LIMIT)} [ref ${routing.id}]`
}

/** The request (the lead) at the client's property, titled so our routing id can be found in Jobber. */
export const requestCreate = (
  clientId: string,
  propertyId: string,
  job: Job,
  routing: Routing
): Operation<typeof RequestCreated.Type, typeof RequestCreated.Encoded> => ({
  name: "RequestCreate",
  query: "mutation RequestCreate($input: RequestCreateInput!) { requestCreate(input: $input) { request { id } userErrors { message path } } }",
  variables: { input: { clientId, propertyId, title: requestTitle(job, routing) } },
  data: RequestCreated,
  read: false
})

/** The cheapest query that proves the token works. */
export const accountQuery: Operation<typeof AccountData.Type, typeof AccountData.Encoded> = {
  name: "Account",
  query: "query Account { account { id name } }",
  variables: {},
  data: AccountData,
  read: true
}

/**
 * The id a mutation answered, or a permanent failure carrying its `userErrors` (Jobber refused the input) or saying it
 * answered nothing.
 */
export const created = (
  name: string,
  result: { readonly userErrors: ReadonlyArray<typeof UserError.Type> } | null,
  id: string | undefined
): Effect.Effect<string, ProviderError> => {
  const errors = result?.userErrors ?? []
  if (errors.length > 0) {
    const detail = errors.map((e) => (e.path ? `${e.path.join(".")}: ${e.message}` : e.message)).join("; ")
    return Effect.fail(new ProviderError({ kind: "permanent", message: `jobber ${name} refused the input: ${detail}`, retryAfter: Option.none() }))
  }
  return id === undefined
    ? Effect.fail(new ProviderError({ kind: "permanent", message: `jobber ${name} answered no id`, retryAfter: Option.none() }))
    : Effect.succeed(id)
}
