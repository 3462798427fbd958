import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Db } from "../../layers/storage/Db.ts"
import { uniqueSkill } from "../support/fixtures.ts"
import { type Answer, makeTestApi } from "../support/http.ts"
import { layerPostgresServices } from "../support/services.ts"
import { makeDbGuard } from "./dbSnapshot.ts"
import {
  badHeaderRequest,
  badIdRequest,
  badQueryRequest,
  type FuzzRequest,
  malformedBodyRequest,
  mutatedBodyRequest
} from "./requests.ts"
import { type DocumentedRoute, type RoleRequest, roleRequest, type Victim } from "./roles.ts"
import { type Fixtures, jobBody } from "./routes.ts"

/**
 * Runs per property. CI runs the default (a few seconds in all); the full run is `FUZZ_RUNS=2000`: 6 properties ×
 * 2000 = 12,000 cases. `FUZZ_SEED` replays a run fast-check reported.
 */
const FUZZ_RUNS = Number(process.env["FUZZ_RUNS"] ?? 100)
const FUZZ_SEED = process.env["FUZZ_SEED"] === undefined ? undefined : Number(process.env["FUZZ_SEED"])
const PROPERTY_TIMEOUT_MS = 30_000 + FUZZ_RUNS * 100

/** Routes that need no key. */
const OPEN_ROUTES = new Set(["GET /health", "GET /health/live", "GET /health/ready", "GET /metrics", "GET /openapi.json", "GET /docs"])

const shorten = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text)

const describeAnswer = (request: FuzzRequest, answer: Answer) =>
  `${request.method} ${shorten(request.path, 200)} answered ${answer.status}: ${shorten(answer.text)}`

/** The API.md error body, exactly: `{ error: { code, message, details: [{ path, message }] } }`. */
const expectErrorBody = (request: FuzzRequest, answer: Answer) => {
  const context = describeAnswer(request, answer)
  expect(answer.headers.get("content-type"), context).toMatch(/^application\/json/)
  expect(answer.body, context).toEqual({
    error: { code: expect.stringMatching(/^[a-z]+(_[a-z]+)*$/), message: expect.any(String), details: expect.any(Array) }
  })
  for (const detail of answer.body.error.details) {
    expect(detail, context).toEqual({ path: expect.any(String), message: expect.any(String) })
  }
}

describe("HTTP API fuzzing on postgresql", () => {
  const api = makeTestApi(layerPostgresServices)
  const { call } = api
  let fixtures: Fixtures
  let victim: Victim
  let documented: ReadonlyArray<DocumentedRoute>
  let guard: ReturnType<typeof makeDbGuard>
  let cases = 0
  const statuses = new Map<number, number>()
  const startedAt = Date.now()

  const created = async (method: string, path: string, body: unknown, field: string) => {
    const answer = await call(method, path, { body })
    expect(answer.status, answer.text).toBe(201)
    return answer.body[field] as string
  }

  beforeAll(async () => {
    const skill = uniqueSkill("fuzz")
    const company = { skills: [{ skill, level: "expert", primary: true }], provider: { type: "mock" } }
    const companyId = await created("POST", "/companies", { name: "Fuzz Creator", ...company }, "id")
    await created("POST", "/companies", { name: "Fuzz Receiver", ...company }, "id")
    fixtures = {
      companyId,
      skill,
      technicianId: await created("POST", `/companies/${companyId}/technicians`, { name: "Alex" }, "id"),
      companyKey: await created("POST", "/api-keys", { role: "company", company_id: companyId }, "key"),
      viewerKey: await created("POST", "/api-keys", { role: "viewer" }, "key")
    }
    victim = await makeVictim()
    const doc = (await call("GET", "/openapi.json", { key: null })).body as { paths: Record<string, Record<string, unknown>> }
    documented = Object.entries(doc.paths).flatMap(([template, operations]) =>
      Object.keys(operations).map((method) => ({ method: method.toUpperCase(), template }))
    )
    guard = makeDbGuard((await api.runtime.runPromise(Db)).sql)
  })

  /**
   * Another company, with a key and a skill of its own, and a job of its own routed to a third company (none of the
   * fixture company's).
   */
  const makeVictim = async (): Promise<Victim> => {
    const marker = crypto.randomUUID()
    const skill = uniqueSkill("victim")
    const name = `Fuzz Victim ${marker}`
    const skills = [{ skill, level: "expert" }]
    const companyId = await created("POST", "/companies", { name, skills, provider: { type: "mock" } }, "id")
    await created("POST", "/companies", { name: "Fuzz Victim Receiver", skills, provider: { type: "mock" } }, "id")
    const key = await call("POST", "/api-keys", { body: { role: "company", company_id: companyId, name: "victim" } })
    expect(key.status, key.text).toBe(201)
    const homeowner = `Homeowner ${marker}`
    const job = await call("POST", "/jobs", {
      key: key.body.key,
      body: {
        summary: `Leak at ${marker}`,
        address: { street: "1 Main St", city: "Anytown", state: "CA", zip_code: "12345" },
        homeowner: { name: homeowner, phone: "(555) 000-0000", email: "victim@example.com" },
        created_by_company_id: companyId,
        required_skills: [skill]
      }
    })
    expect(job.status, job.text).toBe(201)
    return {
      companyId,
      key: key.body.key,
      keyId: key.body.id,
      jobId: job.body.id,
      routingId: job.body.routings[0].id,
      skill,
      secrets: [name, homeowner, marker]
    }
  }

  afterAll(async () => {
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(", ")
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
    console.log(`API fuzz: ${cases} cases (FUZZ_RUNS=${FUZZ_RUNS} per property) in ${seconds} s; answers ${byStatus}`)
    await api.dispose()
  })

  /**
   * One request: never a 5xx; a 4xx has exactly the error body; and a request that was not accepted left the database
   * as it was (accepted ones may change it, and the next comparison starts from what they left).
   */
  const sendAndCheck = async (request: FuzzRequest): Promise<Answer> => {
    const before = await guard.before()
    const answer = await call(request.method, request.path, request.options)
    const after = await guard.after()
    const context = describeAnswer(request, answer)
    // The fuzzed app runs no delivery, so a poll asked for now has no actor to run in: its documented 503 (checked below
    // as an error body) is the right answer there, not a fault.
    const pollWithoutDelivery = request.method === "POST" && /^\/companies\/[^/]+\/poll$/.test(request.path) && answer.status === 503
    if (pollWithoutDelivery) {
      expect(answer.body?.error?.code, context).toBe("unavailable")
      expect(answer.headers.get("retry-after"), context).toMatch(/^\d+$/)
    } else expect(answer.status, context).toBeLessThan(500)
    if (answer.status >= 200 && answer.status < 300) return answer
    expect(answer.status, context).toBeGreaterThanOrEqual(400)
    expectErrorBody(request, answer)
    expect(after, `${context}\nchanged the database`).toEqual(before)
    return answer
  }

  // Examples the fuzzing found, kept as plain cases. They go through `sendAndCheck` too, so the kept snapshot stays
  // current for the properties that follow.
  describe("found by fuzzing", () => {
    it("matches a skill named like a member of Object (`constructor` was a 500)", async () => {
      const body = { name: "Constructor Co", skills: [{ skill: "constructor", level: "basic" }], provider: { type: "mock" } }
      const company = await sendAndCheck({ method: "POST", path: "/companies", options: { body } })
      expect(company.status, company.text).toBe(201)
      for (const criteria of [{ required_skills: ["constructor"] }, { category: "constructor" }]) {
        const preview = await sendAndCheck({ method: "POST", path: "/matching/preview", options: { body: criteria } })
        expect(preview.status, preview.text).toBe(200)
        expect(preview.body.matches.map((m: { company_id: string }) => m.company_id)).toEqual([company.body.id])
      }
      const job = await sendAndCheck({
        method: "POST",
        path: "/jobs",
        options: { body: { ...jobBody(fixtures), required_skills: ["constructor"], skill_levels: {}, category: "constructor" } }
      })
      expect(job.status, job.text).toBe(201)
      expect(job.body.routings.map((r: { company_id_received: string }) => r.company_id_received)).toEqual([company.body.id])
    })
  })

  /** Sends each request `requests` makes through `sendAndCheck`, then `check` when given. */
  const fuzz = <R extends FuzzRequest>(requests: () => fc.Arbitrary<R>, check?: (request: R, answer: Answer) => void) => () =>
    fc.assert(fc.asyncProperty(requests(), async (request) => {
      const answer = await sendAndCheck(request)
      cases++
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      check?.(request, answer)
    }), {
      numRuns: FUZZ_RUNS,
      ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED })
    })

  it("malformed, truncated, huge and deeply nested JSON bodies", fuzz(() => malformedBodyRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("bodies with wrong types, missing and extra fields, odd unicode", fuzz(() => mutatedBodyRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("path ids that are malformed, too long or unknown", fuzz(() => badIdRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("odd Authorization, Content-Type, Idempotency-Key and other headers", fuzz(() => badHeaderRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("odd, repeated and unknown query parameters of list routes", fuzz(() => badQueryRequest), PROPERTY_TIMEOUT_MS)

  /**
   * The roles matrix: no key is refused; a viewer key may make every GET (and the preview, which writes nothing) and no
   * other request (403 `forbidden`); a company key never gets a byte of the victim's data.
   */
  const keptApart = (request: RoleRequest, answer: Answer) => {
    const context = describeAnswer(request, answer)
    if (request.role === "nobody" && !OPEN_ROUTES.has(request.route)) expect(answer.status, context).toBe(401)
    if (request.role === "viewer" && !OPEN_ROUTES.has(request.route)) {
      if (request.method === "GET" || request.route === "POST /matching/preview") {
        expect([401, 403], context).not.toContain(answer.status)
      } else {
        expect(answer.status, context).toBe(403)
        expect(answer.body?.error?.code, context).toBe("forbidden")
      }
    }
    if (request.role !== "company") return
    const sent = `${request.path} ${JSON.stringify(request.options.body ?? null)}`
    const victimIds = [victim.companyId, victim.jobId, victim.routingId, victim.keyId]
    if (victimIds.some((id) => sent.includes(id))) expect(answer.status, context).toBeGreaterThanOrEqual(400)
    for (const secret of [...victimIds, ...victim.secrets].filter((s) => !sent.includes(s))) {
      expect(answer.text, `${context}\nholds the other company's ${secret}`).not.toContain(secret)
    }
  }

  it(
    "any route, as any role, on another company's ids: never that company's data to a company key, no write to a viewer, never a 5xx",
    fuzz(() => roleRequest(fixtures, victim, documented), keptApart),
    PROPERTY_TIMEOUT_MS
  )
})
