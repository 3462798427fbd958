import { describe, expect, it, vi } from "vitest"
import { Deferred, Effect, Layer, ManagedRuntime } from "effect"
import { makeApp } from "../../src/http/app.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { JobIntake } from "../../src/services/JobIntake.ts"
import { HttpSettings } from "../../src/services/Settings.ts"
import { StorageError } from "../../src/services/StorageError.ts"
import { makeJob, uuid } from "../support/fixtures.ts"
import { layerMemoryServices, TEST_ADMIN_KEY } from "../support/services.ts"

const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" }

const jobNamed = (summary: string) => ({
  summary,
  address: { street: "1 Main St", city: "Anytown", state: "CA", zip_code: "12345" },
  homeowner: { name: "Jo Tester" },
  created_by_company_id: uuid(),
  required_skills: ["plumbing"]
})

/**
 * The API on memory storage with an intake that waits for `open`, then fails the jobs whose summary is "down" as a
 * database that went away would, and accepts the others.
 */
const appWithIntake = async (maxInFlight: number) => {
  const open = Effect.runSync(Deferred.make<void>())
  const intake = Layer.succeed(JobIntake, {
    submit: (request) =>
      Effect.zipRight(
        Deferred.await(open),
        request.job.summary === "down"
          ? Effect.fail(new StorageError({ operation: "jobs.write", unavailable: true, cause: "connection lost" }))
          : Effect.succeed({ job: makeJob(CompanyId.make(request.job.createdByCompanyId), []), replayed: false })
      )
  })
  const settings = Layer.succeed(HttpSettings, { maxInFlight, keyRateLimitPerMinute: 6000 })
  const runtime = ManagedRuntime.make(Layer.mergeAll(layerMemoryServices, intake, settings))
  const app = await runtime.runPromise(makeApp)
  const bulk = (summaries: ReadonlyArray<string>) =>
    app.request("/jobs/bulk", { method: "POST", headers, body: JSON.stringify({ jobs: summaries.map(jobNamed) }) })
  return { app, bulk, open: () => Effect.runSync(Deferred.succeed(open, undefined)), dispose: () => runtime.dispose() }
}

describe("POST /jobs/bulk when the storage fails", () => {
  it("answers 503 unavailable with Retry-After as a whole when no job could be written", async () => {
    const { bulk, open, dispose } = await appWithIntake(64)
    try {
      open()
      const answer = await bulk(["down", "", "down"])
      expect(answer.status).toBe(503)
      expect(answer.headers.get("retry-after")).toBe("5")
      expect(await answer.json()).toEqual({ error: { code: "unavailable", message: expect.any(String), details: [] } })
    } finally {
      await dispose()
    }
  })

  it("answers each job when some were written", async () => {
    const { bulk, open, dispose } = await appWithIntake(64)
    try {
      open()
      const answer = await bulk(["up", "down", ""])
      expect(answer.status).toBe(200)
      const { results } = await answer.json() as { results: Array<{ status: number; error?: { code: string } }> }
      expect(results.map((r) => r.status)).toEqual([201, 503, 400])
      expect(results[1]!.error!.code).toBe("unavailable")
    } finally {
      await dispose()
    }
  })
})

describe("POST /jobs/bulk under load shedding (HTTP_MAX_IN_FLIGHT)", () => {
  it("counts a bulk in flight as its jobs", async () => {
    const { app, bulk, open, dispose } = await appWithIntake(10)
    try {
      // One request in flight, but ten jobs: the service is full.
      const large = bulk(Array.from({ length: 10 }, () => "up"))
      const refused = await vi.waitFor(async () => {
        const answer = await app.request("/companies", { headers })
        expect(answer.status).toBe(503)
        return answer
      })
      expect(refused.headers.get("retry-after")).toBe("1")
      open()
      expect((await large).status).toBe(200)
      expect((await app.request("/companies", { headers })).status).toBe(200)
    } finally {
      await dispose()
    }
  })
})
