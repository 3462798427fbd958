import { type Context, Hono } from "hono"
import { listen, makeFaults } from "./server.ts"

/** The one tenant, booking provider and app client the fake knows. */
export interface ServiceTitanFakeOptions {
  readonly tenant: string
  readonly bookingProvider: string
  readonly clientId: string
  readonly clientSecret: string
  readonly appKey: string
  /** Largest page the lists answer, whatever `pageSize` asks (to make them paginate). */
  readonly maxPageSize?: number
}

/** A job as `/jpm/v2/.../jobs` answers it. */
export interface FakeJob {
  readonly id: number
  jobStatus: string
  total: number | null
  completedOn: string | null
}

/** A booking or lead the fake holds: what was posted (`received`, exactly) and where it stands. */
export interface FakeLead {
  readonly id: number
  status: string
  jobId: number | null
  readonly received: Record<string, unknown>
}

const PRIORITIES = ["Low", "Normal", "High", "Urgent"]
const CONTACT_TYPES = ["Phone", "Email", "MobilePhone"]

type Errors = Record<string, Array<string>>

const problem = (c: Context, status: 400 | 401 | 403 | 404 | 409, title: string, errors?: Errors) =>
  c.json({
    type: `https://tools.ietf.org/html/rfc7231#section-6.5.${status === 400 ? 1 : status === 403 ? 3 : status === 409 ? 8 : 4}`,
    title,
    status,
    traceId: `00-${crypto.randomUUID().replaceAll("-", "")}-01`,
    ...(errors === undefined ? {} : { errors })
  }, status)

const isText = (value: unknown) => typeof value === "string" && value.trim() !== ""
const isInt = (value: unknown) => Number.isInteger(value) && (value as number) > 0

/** What is wrong with a posted booking, field by field, as ServiceTitan's validation reports it. */
const bookingErrors = (body: Record<string, unknown>): Errors => {
  const errors: Errors = {}
  for (const field of ["source", "name", "summary", "externalId"]) {
    if (!isText(body[field])) errors[field] = [`The ${field} field is required.`]
  }
  if (typeof body["isFirstTimeClient"] !== "boolean") errors["isFirstTimeClient"] = ["The isFirstTimeClient field is required."]
  if (body["priority"] !== undefined && !PRIORITIES.includes(body["priority"] as string)) {
    errors["priority"] = [`The value '${String(body["priority"])}' is not valid.`]
  }
  const contacts = body["contacts"]
  if (contacts !== undefined && (!Array.isArray(contacts) || contacts.some((k) => !CONTACT_TYPES.includes(k?.type) || !isText(k?.value)))) {
    errors["contacts"] = ["Each contact needs a type (Phone, Email, MobilePhone) and a value."]
  }
  for (const field of ["campaignId", "businessUnitId", "jobTypeId"]) {
    if (body[field] !== undefined && !isInt(body[field])) errors[field] = [`The ${field} field must be a positive integer.`]
  }
  return errors
}

/**
 * A ServiceTitan stand-in: the client-credentials token endpoint (tokens with a settable `expires_in`, expirable early),
 * bookings under the one booking provider, CRM leads, and jobs, each list filtered by `ids` (at most 50) or
 * `externalId` and paginated (`page`, `pageSize`, `hasMore`). Every API route wants the app key and a live token.
 * Route names for faults and counts: token, createBooking, listBookings, dismissBooking, createLead, listLeads,
 * dismissLead, listJobs.
 */
export const startServiceTitanFake = async (options: ServiceTitanFakeOptions) => {
  const faults = makeFaults()
  const tokens = new Map<string, number>()
  const bookings = new Map<number, FakeLead>()
  const leads = new Map<number, FakeLead>()
  const jobs = new Map<number, FakeJob>()
  let nextId = 1000
  let tokenLifetime = 900
  const app = new Hono()

  app.post("/connect/token", async (c) => {
    const fault = await faults.apply("token", c)
    if (fault !== undefined) return fault
    const form = await c.req.parseBody()
    if (form["grant_type"] !== "client_credentials") return c.json({ error: "unsupported_grant_type" }, 400)
    if (form["client_id"] !== options.clientId) return c.json({ error: "invalid_client" }, 400)
    if (form["client_secret"] !== options.clientSecret) return c.json({ error: "invalid_client" }, 401)
    const token = `st_${crypto.randomUUID()}`
    tokens.set(token, Date.now() + tokenLifetime * 1000)
    return c.json({ access_token: token, token_type: "Bearer", expires_in: tokenLifetime, scope: "tn.crm tn.jpm" })
  })

  /** Applies the route's fault, then checks the app key, the token and the tenant. */
  const guarded = (route: string, handler: (c: Context) => Response | Promise<Response>) => async (c: Context) => {
    const fault = await faults.apply(route, c)
    if (fault !== undefined) return fault
    const token = (c.req.header("authorization") ?? "").replace(/^Bearer\s+/i, "")
    const expiresAt = tokens.get(token)
    if (c.req.header("st-app-key") !== options.appKey) return problem(c, 401, "The application key is missing or not valid.")
    if (expiresAt === undefined || expiresAt <= Date.now()) return problem(c, 401, "The access token is missing, expired or not valid.")
    if (c.req.param("tenant") !== options.tenant) return problem(c, 403, "The application has no access to this tenant.")
    return handler(c)
  }

  /** The held items a list asks for (`ids` or `externalId`), one page of them. */
  const list = <T extends { readonly id: number }>(c: Context, items: Iterable<T>, externalIdOf?: (item: T) => unknown) => {
    const ids = c.req.query("ids")?.split(",").filter((id) => id !== "")
    if (ids !== undefined && ids.some((id) => !/^\d+$/.test(id))) return problem(c, 400, "Validation failed.", { ids: ["Ids must be integers."] })
    if (ids !== undefined && ids.length > 50) return problem(c, 400, "Validation failed.", { ids: ["At most 50 ids are allowed."] })
    const externalId = c.req.query("externalId")
    const matching = [...items].filter((item) =>
      (ids === undefined || ids.includes(String(item.id))) && (externalId === undefined || externalIdOf?.(item) === externalId)
    )
    const page = Math.max(1, Number(c.req.query("page") ?? 1))
    const pageSize = Math.min(Number(c.req.query("pageSize") ?? 50), 5000, options.maxPageSize ?? 5000)
    const data = matching.slice((page - 1) * pageSize, page * pageSize)
    return c.json({ page, pageSize, hasMore: page * pageSize < matching.length, totalCount: matching.length, data })
  }

  const bookingView = (b: FakeLead): Record<string, unknown> & { readonly id: number } => ({ ...b.received, id: b.id, status: b.status, jobId: b.jobId, createdOn: "2026-01-01T00:00:00Z" })
  const leadView = (l: FakeLead): Record<string, unknown> & { readonly id: number } => ({ ...l.received, id: l.id, status: l.status, jobId: l.jobId })
  const bookingsPath = "/crm/v2/tenant/:tenant/booking-provider/:provider/bookings"

  app.post(bookingsPath, guarded("createBooking", async (c) => {
    if (c.req.param("provider") !== options.bookingProvider) return problem(c, 404, "Booking provider not found.")
    const body = await c.req.json<Record<string, unknown>>()
    const errors = bookingErrors(body)
    if (Object.keys(errors).length > 0) return problem(c, 400, "One or more validation errors occurred.", errors)
    const booking: FakeLead = { id: nextId++, status: "New", jobId: null, received: body }
    bookings.set(booking.id, booking)
    return c.json(bookingView(booking))
  }))
  app.get(bookingsPath, guarded("listBookings", (c) =>
    c.req.param("provider") !== options.bookingProvider
      ? problem(c, 404, "Booking provider not found.")
      : list(c, [...bookings.values()].map(bookingView), (b) => b.externalId)))

  /** Dismissing: a booking by a status update through its booking provider, a lead by its dismiss call. */
  const dismiss = (c: Context, item: FakeLead | undefined, view: (item: FakeLead) => Record<string, unknown>) => {
    if (item === undefined) return problem(c, 404, "Not found.")
    if (item.status === "Converted") return problem(c, 409, "A converted item cannot be dismissed.")
    item.status = "Dismissed"
    return c.json(view(item))
  }
  app.patch(`${bookingsPath}/:id`, guarded("dismissBooking", async (c) => {
    const body = await c.req.json<Record<string, unknown>>()
    if (body["status"] !== "Dismissed") return problem(c, 400, "Only a dismissal is supported here.", { status: ["Dismissed"] })
    return dismiss(c, bookings.get(Number(c.req.param("id"))), bookingView)
  }))
  app.post("/crm/v2/tenant/:tenant/leads/:id/dismiss", guarded("dismissLead", (c) =>
    dismiss(c, leads.get(Number(c.req.param("id"))), leadView)))

  app.post("/crm/v2/tenant/:tenant/leads", guarded("createLead", async (c) => {
    const body = await c.req.json<Record<string, unknown>>()
    const errors: Errors = {}
    if (!isInt(body["campaignId"])) errors["campaignId"] = ["The campaignId field is required."]
    if (!isText(body["summary"])) errors["summary"] = ["The summary field is required."]
    if (body["callReasonId"] === undefined && !isText(body["followUpDate"])) {
      errors["followUpDate"] = ["Either callReasonId or followUpDate is required."]
    }
    if (Object.keys(errors).length > 0) return problem(c, 400, "One or more validation errors occurred.", errors)
    const lead: FakeLead = { id: nextId++, status: "Open", jobId: null, received: body }
    leads.set(lead.id, lead)
    return c.json(leadView(lead))
  }))
  app.get("/crm/v2/tenant/:tenant/leads", guarded("listLeads", (c) => list(c, [...leads.values()].map(leadView))))
  app.get("/jpm/v2/tenant/:tenant/jobs", guarded("listJobs", (c) => list(c, jobs.values())))

  const convert = (lead: FakeLead | undefined, job: Partial<Omit<FakeJob, "id">>) => {
    if (lead === undefined) throw new Error("no such booking or lead")
    const made: FakeJob = { id: nextId++, jobStatus: "Scheduled", total: null, completedOn: null, ...job }
    jobs.set(made.id, made)
    Object.assign(lead, { status: "Converted", jobId: made.id })
    return made.id
  }

  const running = await listen(app)
  return {
    ...running,
    faults,
    /** The bookings received, in order, with exactly what was posted. */
    bookings: () => [...bookings.values()],
    /** The CRM leads received, in order, with exactly what was posted. */
    leads: () => [...leads.values()],
    /** Every token the fake issued (live or not). */
    issuedTokens: () => [...tokens.keys()],
    /** The `expires_in` (seconds) of the tokens issued from now on. */
    setTokenLifetime: (seconds: number) => {
      tokenLifetime = seconds
    },
    /** Expires every token issued so far, before its announced time. */
    expireTokens: () => {
      for (const token of tokens.keys()) tokens.set(token, 0)
    },
    /** Converts the booking to a job (Scheduled unless told otherwise); answers the job's id. */
    convertBooking: (id: string | number, job: Partial<Omit<FakeJob, "id">> = {}) => convert(bookings.get(Number(id)), job),
    /** Converts the CRM lead to a job; answers the job's id. */
    convertLead: (id: string | number, job: Partial<Omit<FakeJob, "id">> = {}) => convert(leads.get(Number(id)), job),
    /** Sets a booking's or lead's status (Accepted, Dismissed, ...). */
    setStatus: (id: string | number, status: string) => {
      const held = bookings.get(Number(id)) ?? leads.get(Number(id))
      if (held === undefined) throw new Error("no such booking or lead")
      held.status = status
    },
    /** Changes a job's status, total (dollars) or completion time. */
    updateJob: (id: number, patch: Partial<Omit<FakeJob, "id">>) => {
      const job = jobs.get(id)
      if (job === undefined) throw new Error("no such job")
      Object.assign(job, patch)
    }
  }
}

export type ServiceTitanFake = Awaited<ReturnType<typeof startServiceTitanFake>>
