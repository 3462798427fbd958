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
import { type Fixtures, jobBody } from "./routes.ts"

/**
 * Runs per property. CI runs the default (a few seconds in all); the full run is `FUZZ_RUNS=2000`: 5 properties ×
 * 2000 = 10,000 cases. `FUZZ_SEED` replays a run fast-check reported.
 */
const FUZZ_RUNS = Number(process.env["FUZZ_RUNS"] ?? 100)
const FUZZ_SEED = process.env["FUZZ_SEED"] === undefined ? undefined : Number(process.env["FUZZ_SEED"])
const PROPERTY_TIMEOUT_MS = 30_000 + FUZZ_RUNS * 100

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
      companyKey: await created("POST", "/api-keys", { role: "company", company_id: companyId }, "key")
    }
    guard = makeDbGuard((await api.runtime.runPromise(Db)).sql)
  })

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
    expect(answer.status, context).toBeLessThan(500)
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

  const fuzz = (requests: () => fc.Arbitrary<FuzzRequest>) => () =>
    fc.assert(fc.asyncProperty(requests(), async (request) => {
      const { status } = await sendAndCheck(request)
      cases++
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }), {
      numRuns: FUZZ_RUNS,
      ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED })
    })

  it("malformed, truncated, huge and deeply nested JSON bodies", fuzz(() => malformedBodyRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("bodies with wrong types, missing and extra fields, odd unicode", fuzz(() => mutatedBodyRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("path ids that are malformed, too long or unknown", fuzz(() => badIdRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("odd Authorization, Content-Type, Idempotency-Key and other headers", fuzz(() => badHeaderRequest(fixtures)), PROPERTY_TIMEOUT_MS)
  it("odd, repeated and unknown query parameters of list routes", fuzz(() => badQueryRequest), PROPERTY_TIMEOUT_MS)
})
