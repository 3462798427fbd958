import { type Context, Hono } from "hono"
import { listen, makeFaults } from "./server.ts"

/** A lead as the fake holds it: what it answers, and the exact body it was created from. */
export interface FakeLead {
  readonly id: string
  status: "open" | "won" | "lost"
  job_id: string | null
  readonly received: Record<string, unknown>
}

/** A job as the fake holds it, in Housecall Pro's shape (`work_status` with spaces, `total_amount` in cents). */
export interface FakeJob {
  readonly id: string
  readonly lead_id: string | null
  work_status: string
  total_amount: number
  work_timestamps: { completed_at: string | null }
}

/** What a test may change on a job. */
export interface JobChanges {
  readonly work_status?: string
  readonly total_amount?: number
  readonly completed_at?: string | null
}

export interface HousecallProFakeOptions {
  /** API keys of companies on the top plan: accepted. */
  readonly apiKeys: ReadonlyArray<string>
  /** API keys of companies on a lower plan: known, but answered 403. */
  readonly keysWithoutApiAccess?: ReadonlyArray<string>
}

/** The most jobs `GET /jobs` answers per page. */
const MAX_PAGE_SIZE = 200

const UNAUTHORIZED = { message: "Unauthorized" }
const NOT_FOUND = { message: "Not Found" }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`

/**
 * A local Housecall Pro: `Authorization: Token <key>` checked on every call (401 `{"message":"Unauthorized"}` for an
 * unknown key, 403 for a key whose company is not on the top plan), leads created, read and converted into jobs, jobs
 * read one by one or by page (at most 200 a page). Faults are queued per route (`createLead`, `getLead`, `convertLead`,
 * `getJob`, `listJobs`) and every request is counted by route.
 */
export const startHousecallProFake = async (options: HousecallProFakeOptions) => {
  const faults = makeFaults()
  const leads = new Map<string, FakeLead>()
  const jobs = new Map<string, FakeJob>()
  const denied = new Set(options.keysWithoutApiAccess ?? [])
  const allowed = new Set(options.apiKeys)
  let inFlight = 0
  let maxInFlight = 0

  /** A 401 or 403 answer when the request's key is not accepted; undefined when it is. */
  const refuse = (c: Context) => {
    const header = c.req.header("authorization") ?? ""
    const key = header.startsWith("Token ") ? header.slice("Token ".length) : undefined
    if (key !== undefined && denied.has(key)) return c.json({ message: "Forbidden" }, 403)
    if (key === undefined || !allowed.has(key)) return c.json(UNAUTHORIZED, 401)
    return undefined
  }

  const convert = (lead: FakeLead) => {
    const job: FakeJob = {
      id: newId("job"),
      lead_id: lead.id,
      work_status: "needs scheduling",
      total_amount: 0,
      work_timestamps: { completed_at: null }
    }
    jobs.set(job.id, job)
    lead.status = "won"
    lead.job_id = job.id
    return job
  }

  const leadAnswer = (lead: FakeLead) => ({ ...lead.received, id: lead.id, status: lead.status, job_id: lead.job_id })

  const app = new Hono()
  app.use("*", async (_c, next) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    try {
      await next()
    } finally {
      inFlight--
    }
  })

  app.post("/leads", async (c) => {
    const early = (await faults.apply("createLead", c)) ?? refuse(c)
    if (early !== undefined) return early
    const body: unknown = await c.req.json().catch(() => undefined)
    if (!isObject(body)) return c.json({ message: "Bad Request: the body must be a JSON object" }, 400)
    if (!isObject(body["customer"]) && typeof body["customer_id"] !== "string") {
      return c.json({ message: "Validation failed", errors: { customer: ["customer or customer_id is required"] } }, 422)
    }
    const lead: FakeLead = { id: newId("lead"), status: "open", job_id: null, received: body }
    leads.set(lead.id, lead)
    return c.json(leadAnswer(lead), 201)
  })

  app.get("/leads/:id", async (c) => {
    const early = (await faults.apply("getLead", c)) ?? refuse(c)
    if (early !== undefined) return early
    const lead = leads.get(c.req.param("id"))
    return lead === undefined ? c.json(NOT_FOUND, 404) : c.json(leadAnswer(lead))
  })

  app.post("/leads/:id/convert", async (c) => {
    const early = (await faults.apply("convertLead", c)) ?? refuse(c)
    if (early !== undefined) return early
    const lead = leads.get(c.req.param("id"))
    if (lead === undefined) return c.json(NOT_FOUND, 404)
    if (lead.status !== "open") return c.json({ message: `lead is ${lead.status}` }, 422)
    return c.json(convert(lead), 201)
  })

  app.get("/jobs/:id", async (c) => {
    const early = (await faults.apply("getJob", c)) ?? refuse(c)
    if (early !== undefined) return early
    const job = jobs.get(c.req.param("id"))
    return job === undefined ? c.json(NOT_FOUND, 404) : c.json(job)
  })

  app.get("/jobs", async (c) => {
    const early = (await faults.apply("listJobs", c)) ?? refuse(c)
    if (early !== undefined) return early
    const page = Number(c.req.query("page") ?? "1")
    const pageSize = Number(c.req.query("page_size") ?? "10")
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      return c.json({ message: `page must be 1 or more and page_size between 1 and ${MAX_PAGE_SIZE}` }, 400)
    }
    const all = [...jobs.values()]
    return c.json({
      page,
      page_size: pageSize,
      total_items: all.length,
      total_pages: Math.ceil(all.length / pageSize),
      jobs: all.slice((page - 1) * pageSize, page * pageSize)
    })
  })

  const running = await listen(app)

  const leadById = (id: string) => {
    const lead = leads.get(id)
    if (lead === undefined) throw new Error(`no fake Housecall Pro lead ${id}`)
    return lead
  }
  const jobById = (id: string) => {
    const job = jobs.get(id)
    if (job === undefined) throw new Error(`no fake Housecall Pro job ${id}`)
    return job
  }

  return {
    url: running.url,
    close: running.close,
    faults,
    /** Every lead received, in order, with the exact body it was created from. */
    leads: () => [...leads.values()],
    lead: leadById,
    /** Converts an open lead into a job (`needs scheduling`), as `POST /leads/{id}/convert` does; answers the job's id. */
    convert: (leadId: string) => convert(leadById(leadId)).id,
    /** Marks an open lead lost. */
    loseLead: (leadId: string) => {
      leadById(leadId).status = "lost"
    },
    /** Sets a job's work status, total (cents) and completion time. */
    setJob: (jobId: string, fields: JobChanges) => {
      const job = jobById(jobId)
      if (fields.work_status !== undefined) job.work_status = fields.work_status
      if (fields.total_amount !== undefined) job.total_amount = fields.total_amount
      if (fields.completed_at !== undefined) job.work_timestamps = { completed_at: fields.completed_at }
    },
    /** Deletes a job, so reading it answers 404. */
    deleteJob: (jobId: string) => {
      jobs.delete(jobId)
    },
    /** The most requests the fake was answering at one time since the last reset. */
    maxConcurrentRequests: () => maxInFlight,
    /** Forgets faults, counts and the concurrency high-water mark (leads and jobs stay). */
    reset: () => {
      faults.reset()
      maxInFlight = 0
    }
  }
}

export type HousecallProFake = Awaited<ReturnType<typeof startHousecallProFake>>
