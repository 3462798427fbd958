import { HttpClientRequest } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import { now } from "../../../src/domain/time.ts"
import type { LeadRequest, LeadState, ProviderAccount, ProviderClient } from "../../../src/services/Providers.ts"
import { asCredentialsCheck, BATCH, bookingsUrl, decodeSettings, makeApi, type Settings, tenantUrl } from "./api.ts"
import { bookingBody, Created, Job, leadBody, Page, Waiting } from "./schemas.ts"
import { convertedJobId, stateOf } from "./statuses.ts"

/** ServiceTitan ids are integers; anything else cannot be one of its bookings, leads or jobs. */
const isId = (id: string) => /^\d{1,19}$/.test(id)

/** Where the account's leads live: its bookings when it has a booking provider, else its CRM leads. */
const leadsUrl = (settings: Settings) =>
  settings.config.booking_provider === undefined
    ? { url: tenantUrl(settings, "crm", "/leads"), name: "listLeads" }
    : { url: bookingsUrl(settings, settings.config.booking_provider), name: "listBookings" }

/**
 * The ServiceTitan adapter. With a booking provider configured, leads are bookings carrying our routing id as
 * `externalId`, so they can be looked up after an uncertain attempt; without one they are CRM leads, which cannot.
 * Statuses follow a converted booking or lead into its job. Tokens are cached per tenant and client for the life of
 * the adapter.
 */
export const make = Effect.map(makeApi, (api): ProviderClient => {
  const createLead = Effect.fn("ServiceTitan.createLead")(function*(request: LeadRequest) {
    const settings = yield* decodeSettings(request)
    const bookingProvider = settings.config.booking_provider
    const created = bookingProvider === undefined
      ? yield* api.call(
        settings,
        HttpClientRequest.post(tenantUrl(settings, "crm", "/leads")).pipe(
          HttpClientRequest.bodyUnsafeJson(leadBody(request, settings.config, yield* now))
        ),
        Created,
        { name: "createLead", idempotent: false }
      )
      : yield* api.call(
        settings,
        HttpClientRequest.post(bookingsUrl(settings, bookingProvider)).pipe(
          HttpClientRequest.bodyUnsafeJson(bookingBody(request, settings.config))
        ),
        Created,
        { name: "createBooking", idempotent: false }
      )
    return { externalId: created.id }
  })

  const findLead = Effect.fn("ServiceTitan.findLead")(function*(request: LeadRequest) {
    const settings = yield* decodeSettings(request)
    const bookingProvider = settings.config.booking_provider
    if (bookingProvider === undefined) return Option.none()
    const page = yield* api.call(
      settings,
      HttpClientRequest.get(bookingsUrl(settings, bookingProvider)).pipe(
        HttpClientRequest.setUrlParams({ externalId: request.routing.id, page: "1", pageSize: String(BATCH) })
      ),
      Page(Waiting),
      { name: "findBooking", idempotent: true }
    )
    return Option.map(
      Option.fromNullable(page.data.find((booking) => booking.externalId === request.routing.id)),
      (booking) => ({ externalId: booking.id })
    )
  })

  const statuses = Effect.fn("ServiceTitan.statuses")(
    function*(account: ProviderAccount, externalIds: ReadonlyArray<string>) {
      const ids = [...new Set(externalIds.filter(isId))]
      if (ids.length === 0) return []
      const settings = yield* decodeSettings(account)
      const { url, name } = leadsUrl(settings)
      const items = yield* api.listByIds(settings, url, Waiting, name, ids)
      const jobIds = [...new Set(items.flatMap((item) => Option.toArray(convertedJobId(item))).filter(isId))]
      const jobs = jobIds.length === 0
        ? []
        : yield* api.listByIds(settings, tenantUrl(settings, "jpm", "/jobs"), Job, "listJobs", jobIds)
      const jobsById = new Map(jobs.map((job) => [job.id, job]))
      const wanted = new Set(ids)
      return items.filter((item) => wanted.has(item.id)).flatMap((item): ReadonlyArray<LeadState> =>
        Option.toArray(stateOf(item, jobsById))
      )
    }
  )

  /**
   * Dismisses the booking (an update of its status, through the booking provider) or, in lead mode, the CRM lead;
   * the dismiss call of each is an assumption where PROVIDERS.md says nothing beyond the Dismissed status.
   */
  const cancelLead = Effect.fn("ServiceTitan.cancelLead")(function*(account: ProviderAccount, externalId: string) {
    const settings = yield* decodeSettings(account)
    const bookingProvider = settings.config.booking_provider
    const request = bookingProvider === undefined
      ? HttpClientRequest.post(tenantUrl(settings, "crm", `/leads/${encodeURIComponent(externalId)}/dismiss`))
      : HttpClientRequest.patch(`${bookingsUrl(settings, bookingProvider)}/${encodeURIComponent(externalId)}`).pipe(
        HttpClientRequest.bodyUnsafeJson({ status: "Dismissed" })
      )
    yield* api.call(settings, request, Schema.Unknown, {
      name: bookingProvider === undefined ? "dismissLead" : "dismissBooking",
      idempotent: true
    })
  })

  const checkCredentials = Effect.fn("ServiceTitan.checkCredentials")(function*(account: ProviderAccount) {
    const settings = yield* decodeSettings(account)
    const { url, name } = leadsUrl(settings)
    yield* api.callFresh(
      settings,
      HttpClientRequest.get(url).pipe(HttpClientRequest.setUrlParams({ page: "1", pageSize: "1" })),
      Page(Schema.Unknown),
      { name, idempotent: true }
    ).pipe(Effect.mapError(asCredentialsCheck))
  })

  // A token request (tried up to three times), the create, and both again after a 401.
  return {
    maxCallsPerLead: 8,
    createLead,
    findLead: Option.some(findLead),
    cancelLead: Option.some(cancelLead),
    statuses,
    checkCredentials
  }
})
