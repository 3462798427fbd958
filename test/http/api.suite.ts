import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { provisionStreams } from "../../programs/brokerTopology.ts"
import { sendToDeadLetters } from "../../programs/deadLetters.ts"
import { sha256Hex } from "../../src/domain/hash.ts"
import { ApiKeyId, CompanyId, type RoutingId } from "../../src/domain/ids.ts"
import { ApiKeyRepo } from "../../src/services/ApiKeys.ts"
import type { ApiServices } from "../../src/http/app.ts"
import { ArchiveRepo } from "../../src/services/Archive.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { StreamReplicas } from "../../src/services/Settings.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { raiseAlert, resolveAlert } from "../../programs/alerts.ts"
import { makeJob, uniqueSkill } from "../support/fixtures.ts"
import { type Answer, makeTestApi } from "../support/http.ts"
import { deliveredLead, type LeadOutcome } from "../support/reports.ts"
import { routedJob, type RoutingFate } from "../support/sla.ts"
import { parsePrometheus } from "../support/prometheus.ts"

const expectError = (answer: Answer, status: number, code: string) => {
  expect(answer.status, answer.text).toBe(status)
  expect(answer.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } })
}

const detailPaths = (answer: Answer): Array<string> => answer.body.error.details.map((d: { path: string }) => d.path)

/** The HTTP contract of API.md for companies, API keys, jobs, matching, health and docs; run on each storage. */
export const apiSuite = <E>(name: string, services: Layer.Layer<ApiServices, E>) =>
  describe(`HTTP API on ${name}`, () => {
    const api = makeTestApi(services)
    const { call } = api
    afterAll(() => api.dispose())

    const plumbing = uniqueSkill("plumbing")
    const electrical = uniqueSkill("electrical")
    const secret = `secret-${crypto.randomUUID()}`
    let abc: string, xyz: string, creator: string, technician: string
    let creatorKey: string, abcKey: string, strangerKey: string

    const newCompany = async (body: Record<string, unknown>) => {
      const answer = await call("POST", "/companies", { body })
      expect(answer.status, answer.text).toBe(201)
      return answer.body.id as string
    }
    const newKey = async (companyId: string) => {
      const answer = await call("POST", "/api-keys", { body: { role: "company", company_id: companyId, name: "test" } })
      expect(answer.status, answer.text).toBe(201)
      return answer.body.key as string
    }
    const jobBody = (overrides: Record<string, unknown> = {}) => ({
      summary: "Kitchen faucet replacement",
      address: { street: "123 Main St", city: "Anytown", state: "CA", zip_code: "12345" },
      homeowner: { name: "John Doe", phone: "(555) 123-4567", email: "john@example.com" },
      created_by_company_id: creator,
      created_by_technician_id: technician,
      required_skills: [plumbing, electrical],
      skill_levels: { [plumbing]: "expert", [electrical]: "intermediate" },
      category: plumbing,
      ...overrides
    })

    beforeAll(async () => {
      abc = await newCompany({
        name: "ABC Plumbing",
        skills: [{ skill: plumbing, level: "expert", primary: true }, { skill: electrical, level: "intermediate" }],
        provider: { type: "mock", config: { latency_ms: 0 } },
        rate_limit_per_minute: 50
      })
      xyz = await newCompany({
        name: "XYZ Services",
        skills: [{ skill: electrical, level: "intermediate", primary: true }],
        provider: { type: "mock" }
      })
      creator = await newCompany({ name: "Creator Co", skills: [{ skill: plumbing, level: "basic" }], provider: { type: "mock" } })
      const stranger = await newCompany({ name: "Stranger", provider: { type: "mock" } })
      const tech = await call("POST", `/companies/${creator}/technicians`, { body: { name: "Alex Rivera" } })
      expect(tech.status, tech.text).toBe(201)
      expect(tech.body).toMatchObject({ company_id: creator, name: "Alex Rivera" })
      technician = tech.body.id
      creatorKey = await newKey(creator)
      abcKey = await newKey(abc)
      strangerKey = await newKey(stranger)
    })

    describe("health and docs", () => {
      it("answers health without a key, but the detailed one to the admin only", async () => {
        expect((await call("GET", "/health", { key: null })).body).toEqual({ status: "ok" })
        expect((await call("GET", "/health/live", { key: null })).status).toBe(200)
        const ready = await call("GET", "/health/ready", { key: null })
        expect(ready.status).toBe(200)
        expect(ready.body.components.map((c: { name: string }) => c.name)).toContain("broker")
        for (const component of ready.body.components) {
          expect(component).toMatchObject({ status: "ok", latency_ms: expect.any(Number), error: null })
        }
        const metrics = await call("GET", "/metrics", { key: null })
        expect(metrics.status).toBe(200)
        expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/)
        expect(parsePrometheus(metrics.text).map((s) => s.name)).toEqual(expect.arrayContaining(["si_outbox_pending", "si_actors", "si_event_loop_lag_seconds"]))
        expectError(await call("GET", "/health/detailed", { key: null }), 401, "unauthorized")
        expectError(await call("GET", "/health/detailed", { key: creatorKey }), 403, "forbidden")
        const detailed = await call("GET", "/health/detailed")
        expect(detailed.body.status).toBe("ok")
        expect(detailed.body.components.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(["broker", "outbox", "actors"]))
        expect(detailed.body.components.find((c: { name: string }) => c.name === "actors")).toMatchObject({
          status: "ok",
          error: expect.stringMatching(/running in this process/)
        })
      })

      it("serves OpenAPI 3.1 of every route and a rendered reference that needs no internet", async () => {
        const doc = await call("GET", "/openapi.json", { key: null })
        expect(doc.body.openapi).toBe("3.1.0")
        const paths = Object.keys(doc.body.paths)
        for (
          const path of [
            "/routings/{id}",
            "/routings/{id}/retry",
            "/admin/workers",
            "/admin/replicas",
            "/admin/dlq/{id}/replay",
            "/companies/{id}/provider/test",
            "/companies/{id}/poll",
            "/admin/providers/mock/leads",
            "/admin/sla",
            "/alerts",
            "/admin/throughput",
            "/reports/companies",
            "/reports/daily",
            "/webhooks",
            "/webhooks/{id}",
            "/webhooks/{id}/deliveries",
            "/webhooks/{id}/enable",
            "/companies",
            "/companies/{id}",
            "/companies/{id}/skills",
            "/companies/{id}/provider",
            "/companies/{id}/technicians",
            "/jobs",
            "/jobs/{id}",
            "/jobs/{id}/cancel",
            "/matching/preview",
            "/api-keys",
            "/api-keys/{id}",
            "/health/ready"
          ]
        ) expect(paths).toContain(path)
        const docs = await call("GET", "/docs", { key: null })
        expect(docs.status).toBe(200)
        expect(docs.headers.get("content-type")).toContain("text/html")
        expect(docs.text).toContain("/jobs/{id}/cancel")
        expect(docs.text).not.toMatch(/<script|<link[^>]+https?:|src="https?:/)
      })
    })

    describe("dashboard", () => {
      it("serves its page and files without a key, under a CSP that allows nothing from elsewhere", async () => {
        const page = await call("GET", "/dashboard", { key: null })
        expect(page.status).toBe(200)
        expect(page.headers.get("content-type")).toContain("text/html")
        expect(page.headers.get("content-security-policy")).toContain("script-src 'self'")
        expect(page.text).toContain('<meta name="jaeger-ui-url" content="http://jaeger.test:16686">')
        expect(page.text).not.toMatch(/https?:\/\/(?!jaeger\.test)/)
        const assets = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!)
        expect(assets).toEqual(["/dashboard/assets/style.css", "/dashboard/assets/app.js"])
        const app = await call("GET", "/dashboard/assets/app.js", { key: null })
        expect(app.status).toBe(200)
        expect(app.headers.get("content-type")).toContain("text/javascript")
        for (const module of app.text.matchAll(/from "\.\/([^"]+)"/g)) {
          expect((await call("GET", `/dashboard/assets/${module[1]}`, { key: null })).status, module[1]).toBe(200)
        }
        expectError(await call("GET", "/dashboard/assets/secrets.key", { key: null }), 404, "not_found")
        expectError(await call("GET", "/dashboard/assets/..%2F..%2Fapp.ts", { key: null }), 404, "not_found")
      })
    })

    describe("authentication", () => {
      it("refuses a missing, malformed or unknown key with 401", async () => {
        expectError(await call("GET", "/companies", { key: null }), 401, "unauthorized")
        expectError(await call("GET", "/companies", { key: null, headers: { authorization: "Basic abc" } }), 401, "unauthorized")
        expectError(await call("GET", "/companies", { key: "si_unknown" }), 401, "unauthorized")
      })

      it("keeps company keys to their own company", async () => {
        expect((await call("GET", `/companies/${creator}`, { key: creatorKey })).status).toBe(200)
        expectError(await call("GET", `/companies/${abc}`, { key: creatorKey }), 403, "forbidden")
        expectError(await call("GET", "/companies", { key: creatorKey }), 403, "forbidden")
        expectError(await call("POST", "/companies", { key: creatorKey, body: { name: "x" } }), 403, "forbidden")
        expectError(await call("POST", "/api-keys", { key: creatorKey, body: { company_id: creator } }), 403, "forbidden")
      })

      it("issues keys shown once and revokes them", async () => {
        const created = await call("POST", "/api-keys", { body: { role: "company", company_id: xyz, name: "ops" } })
        expect(created.status).toBe(201)
        expect(created.body).toMatchObject({ role: "company", company_id: xyz, name: "ops", key: expect.stringMatching(/^si_/) })
        expect(created.body.key.startsWith(created.body.prefix)).toBe(true)
        expect((await call("GET", `/companies/${xyz}`, { key: created.body.key })).status).toBe(200)
        expect((await call("DELETE", `/api-keys/${created.body.id}`)).status).toBe(200)
        expectError(await call("GET", `/companies/${xyz}`, { key: created.body.key }), 401, "unauthorized")
        expectError(await call("DELETE", `/api-keys/${created.body.id}`), 404, "not_found")
      })

      it("refuses the keys of a company that is not active with 403, and takes them again once it is", async () => {
        const company = await newCompany({ name: "Sometimes Active" })
        const key = await newKey(company)
        expect((await call("GET", `/companies/${company}`, { key })).status).toBe(200)
        for (const status of ["inactive", "suspended"]) {
          expect((await call("PATCH", `/companies/${company}`, { body: { status } })).status).toBe(200)
          expectError(await call("GET", `/companies/${company}`, { key }), 403, "forbidden")
          expectError(await call("GET", "/jobs", { key }), 403, "forbidden")
        }
        expect((await call("PATCH", `/companies/${company}`, { body: { status: "active" } })).status).toBe(200)
        expect((await call("GET", "/jobs", { key })).status).toBe(200)
      })

      it("lists keys without the keys, with when each was last used, and refuses an expired key with 401", async () => {
        const expiresAt = new Date(Date.now() + 86_400_000).toISOString()
        const created = await call("POST", "/api-keys", { body: { role: "company", company_id: xyz, name: "expiring", expires_at: expiresAt } })
        expect(created.status, created.text).toBe(201)
        expect(created.body).toMatchObject({ expires_at: expiresAt, last_used_at: null, revoked_at: null })
        const listedOf = async () => (await call("GET", "/api-keys?limit=200")).body.items.find((k: { id: string }) => k.id === created.body.id)
        expect(await listedOf()).toMatchObject({ name: "expiring", role: "company", company_id: xyz, last_used_at: null, expires_at: expiresAt })
        expect(JSON.stringify((await call("GET", "/api-keys?limit=200")).body)).not.toContain(created.body.key)
        expect((await call("GET", `/companies/${xyz}`, { key: created.body.key })).status).toBe(200)
        expect(Date.parse((await listedOf()).last_used_at)).toBeGreaterThan(Date.now() - 60_000)
        const page = await call("GET", "/api-keys?limit=1")
        expect(page.body.items).toHaveLength(1)
        expect(page.body.next_cursor).toEqual(expect.any(String))
        expectError(await call("GET", "/api-keys", { key: creatorKey }), 403, "forbidden")
        const past = await call("POST", "/api-keys", { body: { company_id: xyz, expires_at: "2020-01-01T00:00:00Z" } })
        expectError(past, 422, "validation_error")
        expect(detailPaths(past)).toEqual(["expires_at"])
        expectError(await call("POST", "/api-keys", { body: { company_id: xyz, expires_at: "tomorrow" } }), 400, "validation_error")

        const expired = `si_expired_${crypto.randomUUID()}`
        await api.runtime.runPromise(Effect.gen(function*() {
          yield* (yield* ApiKeyRepo).insert({
            id: ApiKeyId.make(crypto.randomUUID()),
            role: "company",
            companyId: CompanyId.make(xyz),
            name: "expired",
            keyHash: yield* sha256Hex(expired),
            prefix: "si_expir",
            createdAt: new Date(Date.now() - 7_200_000),
            revokedAt: null,
            lastUsedAt: null,
            expiresAt: new Date(Date.now() - 3_600_000)
          })
        }))
        expectError(await call("GET", `/companies/${xyz}`, { key: expired }), 401, "unauthorized")
      })

      it("validates new keys", async () => {
        expectError(await call("POST", "/api-keys", { body: { role: "company" } }), 400, "validation_error")
        expectError(await call("POST", "/api-keys", { body: { role: "admin", company_id: xyz } }), 400, "validation_error")
        const unknown = await call("POST", "/api-keys", { body: { company_id: crypto.randomUUID() } })
        expectError(unknown, 422, "validation_error")
        expect(detailPaths(unknown)).toEqual(["company_id"])
        const admin = await call("POST", "/api-keys", { body: { role: "admin", name: "second admin" } })
        expect(admin.status).toBe(201)
        expect((await call("GET", "/companies?limit=1", { key: admin.body.key })).status).toBe(200)
      })

      it("issues a viewer key: every GET the admin may make, and no write", async () => {
        expectError(await call("POST", "/api-keys", { body: { role: "viewer", company_id: xyz } }), 400, "validation_error")
        const created = await call("POST", "/api-keys", { body: { role: "viewer", name: "read only" } })
        expect(created.status, created.text).toBe(201)
        expect(created.body).toMatchObject({ role: "viewer", company_id: null, name: "read only", key: expect.stringMatching(/^si_/) })
        const viewer = created.body.key as string
        const listed = (await call("GET", "/api-keys?limit=200", { key: viewer })).body.items.find((k: { id: string }) => k.id === created.body.id)
        expect(listed).toMatchObject({ role: "viewer", company_id: null })
        expect((await call("GET", "/auth/me", { key: viewer })).body).toEqual({ role: "viewer", company_id: null, key_id: created.body.id })
        for (const path of [`/companies/${xyz}`, "/companies?limit=1", "/jobs?limit=1", "/admin/workers", "/admin/dlq", "/admin/sla", "/webhooks"]) {
          const answer = await call("GET", path, { key: viewer })
          expect(answer.status, `${path}: ${answer.text}`).toBe(200)
        }
        expectError(await call("POST", "/api-keys", { key: viewer, body: { role: "viewer" } }), 403, "forbidden")
        expectError(await call("PATCH", `/companies/${xyz}`, { key: viewer, body: { name: "renamed" } }), 403, "forbidden")
        expectError(await call("POST", `/admin/companies/${xyz}/pause`, { key: viewer }), 403, "forbidden")
        expectError(await call("DELETE", `/api-keys/${created.body.id}`, { key: viewer }), 403, "forbidden")
        expect((await call("GET", `/companies/${xyz}`)).body.name).not.toBe("renamed")
      })
    })

    describe("companies", () => {
      it("creates a company, storing credentials without ever returning them", async () => {
        const answer = await call("POST", "/companies", {
          body: {
            name: "Titan Plumbing",
            skills: [{ skill: "Plumbing ", level: "expert", primary: true }],
            provider: {
              type: "servicetitan",
              config: { tenant_id: "123", business_unit_id: 5, campaign_id: 9, job_type_id: 7 },
              credentials: { client_id: "cid", client_secret: secret, app_key: "ak" }
            }
          }
        })
        expect(answer.status, answer.text).toBe(201)
        expect(answer.headers.get("location")).toBe(`/companies/${answer.body.id}`)
        expect(answer.body).toMatchObject({
          name: "Titan Plumbing",
          status: "active",
          rate_limit_per_minute: 50,
          skills: [{ skill: "plumbing", level: "expert", primary: true }],
          provider: {
            type: "servicetitan",
            config: { tenant_id: "123", business_unit_id: 5, campaign_id: 9, job_type_id: 7 },
            credentials_set: true,
            active: true
          }
        })
        expect(answer.text).not.toContain(secret)
        const read = await call("GET", `/companies/${answer.body.id}`)
        expect(read.body).toEqual(answer.body)
        expect(read.text).not.toContain(secret)
        const kept = await call("PUT", `/companies/${answer.body.id}/provider`, {
          body: { type: "servicetitan", config: { tenant_id: "456", business_unit_id: 5, campaign_id: 9, job_type_id: 7 } }
        })
        expect(kept.status, kept.text).toBe(200)
        expect(kept.body.provider).toMatchObject({ config: { tenant_id: "456" }, credentials_set: true })
        const changedType = await call("PUT", `/companies/${answer.body.id}/provider`, { body: { type: "mock" } })
        expect(changedType.body.provider).toEqual({ type: "mock", config: {}, credentials_set: false, active: true })
        const removed = await call("DELETE", `/companies/${answer.body.id}/provider`)
        expect(removed.body.provider).toBeNull()
      })

      it("names each missing or wrong provider field for the chosen type", async () => {
        const company = await call("POST", "/companies", { body: { name: "Typed", provider: { type: "mock" } } })
        const put = (body: unknown) => call("PUT", `/companies/${company.body.id}/provider`, { body })
        const titan = await put({
          type: "servicetitan",
          config: { tenant_id: "", campaign_id: "nine", api_base_url: "ftp://example.com", colour: "red" },
          credentials: { client_id: "id", client_secret: secret }
        })
        expectError(titan, 422, "validation_error")
        expect(titan.body.error.details).toEqual(expect.arrayContaining([
          { path: "provider.config.tenant_id", message: expect.any(String) },
          { path: "provider.config.campaign_id", message: "must be a positive integer" },
          { path: "provider.config.business_unit_id", message: "is required" },
          { path: "provider.config.job_type_id", message: "is required" },
          { path: "provider.config.api_base_url", message: "must be an http or https URL" },
          { path: "provider.config.colour", message: "is not a field of this provider type" },
          { path: "provider.credentials.app_key", message: "is required" }
        ]))
        expect(titan.text).not.toContain(secret)
        expectError(await put({ type: "jobber", config: {} }), 422, "validation_error")
        expectError(await put({ type: "mock", config: { failure_rate: 2 } }), 422, "validation_error")
        const hcp = await put({ type: "housecallpro", config: { api_base_url: "http://127.0.0.1:9/" }, credentials: { api_key: secret } })
        expect(hcp.status, hcp.text).toBe(200)
        expect((await call("GET", `/companies/${company.body.id}`)).body.provider).toMatchObject({ type: "housecallpro", active: true })
      })

      it("sets and resets a company's status polling interval", async () => {
        const company = await call("POST", "/companies", { body: { name: "Polled", provider: { type: "mock" } } })
        expect(company.body.poll_interval_seconds).toBeNull()
        const set = await call("PATCH", `/companies/${company.body.id}`, { body: { poll_interval_seconds: 600 } })
        expect(set.status, set.text).toBe(200)
        expect(set.body.poll_interval_seconds).toBe(600)
        expectError(await call("PATCH", `/companies/${company.body.id}`, { body: { poll_interval_seconds: 5 } }), 400, "validation_error")
        const reset = await call("PATCH", `/companies/${company.body.id}`, { body: { poll_interval_seconds: null } })
        expect(reset.body.poll_interval_seconds).toBeNull()
      })

      it("takes a company's poll schedule in its time zone on create and change, and refuses a bad one with 400", async () => {
        const company = await call("POST", "/companies", {
          body: { name: "Scheduled", provider: { type: "mock" }, poll_schedule: "*/30 8-18 * * 1-5", time_zone: "America/Chicago" }
        })
        expect(company.status, company.text).toBe(201)
        expect(company.body).toMatchObject({ poll_schedule: "*/30 8-18 * * 1-5", time_zone: "America/Chicago", poll_interval_seconds: null })
        expect((await call("GET", `/companies/${company.body.id}`)).body).toMatchObject({ poll_schedule: "*/30 8-18 * * 1-5" })

        const badCron = await call("POST", "/companies", { body: { name: "Bad", poll_schedule: "61 * * * *" } })
        expectError(badCron, 400, "validation_error")
        expect(badCron.body.error.details).toEqual([{ path: "poll_schedule", message: expect.stringContaining("between 0 and 59") }])
        const seconds = await call("PATCH", `/companies/${company.body.id}`, { body: { poll_schedule: "0 */30 8-18 * * 1-5" } })
        expectError(seconds, 400, "validation_error")
        expect(seconds.body.error.details[0].message).toContain("5 fields")
        const badZone = await call("PATCH", `/companies/${company.body.id}`, { body: { time_zone: "America/Springfield" } })
        expectError(badZone, 400, "validation_error")
        expect(badZone.body.error.details).toEqual([{ path: "time_zone", message: expect.stringContaining("IANA time zone") }])

        const changed = await call("PATCH", `/companies/${company.body.id}`, { body: { time_zone: "Europe/Berlin", poll_interval_seconds: 600 } })
        expect(changed.status, changed.text).toBe(200)
        expect(changed.body).toMatchObject({ poll_schedule: "*/30 8-18 * * 1-5", time_zone: "Europe/Berlin", poll_interval_seconds: 600 })
        const cleared = await call("PATCH", `/companies/${company.body.id}`, { body: { poll_schedule: null, time_zone: null } })
        expect(cleared.body).toMatchObject({ poll_schedule: null, time_zone: null, poll_interval_seconds: 600 })
      })

      it("POST /companies/{id}/poll: 404 unknown, 409 without an active provider or paused, 503 while polling does not run, admin only", async () => {
        const doc = await call("GET", "/openapi.json", { key: null })
        const route = doc.body.paths["/companies/{id}/poll"].post
        expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(["200", "404", "409", "503"]))
        expect(doc.body.components.schemas.PollResult.properties).toMatchObject({ polled: expect.any(Object), changed: expect.any(Object) })

        expectError(await call("POST", `/companies/${crypto.randomUUID()}/poll`), 404, "not_found")
        const bare = await newCompany({ name: "Nothing to poll" })
        const refused = await call("POST", `/companies/${bare}/poll`)
        expectError(refused, 409, "conflict")
        expect(refused.body.error.message).toContain("no active provider")
        const polled = await newCompany({ name: "Polled now", provider: { type: "mock" } })
        expectError(await call("POST", `/companies/${polled}/poll`, { key: await newKey(polled) }), 403, "forbidden")
        expect((await call("POST", `/admin/companies/${polled}/pause`)).status).toBe(200)
        const paused = await call("POST", `/companies/${polled}/poll`)
        expectError(paused, 409, "conflict")
        expect(paused.body.error.message).toContain("paused")
        expect((await call("POST", `/admin/companies/${polled}/resume`)).status).toBe(200)
        // This API runs without delivery: nothing here polls, and the client is told to come back.
        const notRunning = await call("POST", `/companies/${polled}/poll`)
        expectError(notRunning, 503, "unavailable")
        expect(Number(notRunning.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
      })

      it("takes a company's service areas on create and change, and refuses bad ones with 400 naming service_areas", async () => {
        const company = await call("POST", "/companies", { body: { name: "Springfield", provider: { type: "mock" }, service_areas: ["62701", "627"] } })
        expect(company.status, company.text).toBe(201)
        expect(company.body.service_areas).toEqual(["62701", "627"])
        expect((await call("GET", `/companies/${company.body.id}`)).body.service_areas).toEqual(["62701", "627"])
        expect((await call("POST", "/companies", { body: { name: "Anywhere" } })).body.service_areas).toEqual([])

        const refused = [["6270a"], ["123456"], [""], [62701], ["627", "627"], "627", Array.from({ length: 501 }, (_, i) => String(i))]
        for (const service_areas of refused) {
          const answer = await call("POST", "/companies", { body: { name: "Bad areas", service_areas } })
          expectError(answer, 400, "validation_error")
          expect(detailPaths(answer).length).toBeGreaterThan(0)
          expect(detailPaths(answer).every((path) => path.startsWith("service_areas")), answer.text).toBe(true)
        }
        const duplicate = await call("PATCH", `/companies/${company.body.id}`, { body: { service_areas: ["9", "9"] } })
        expectError(duplicate, 400, "validation_error")
        expect(duplicate.body.error.details).toEqual([{ path: "service_areas.1", message: "9 is listed twice" }])

        const moved = await call("PATCH", `/companies/${company.body.id}`, { body: { service_areas: ["90210"] } })
        expect(moved.status, moved.text).toBe(200)
        expect(moved.body).toMatchObject({ name: "Springfield", service_areas: ["90210"] })
        expect((await call("PATCH", `/companies/${company.body.id}`, { body: { name: "Renamed" } })).body.service_areas).toEqual(["90210"])
        expect((await call("PATCH", `/companies/${company.body.id}`, { body: { service_areas: [] } })).body.service_areas).toEqual([])
      })

      it("checks a company's provider credentials against the provider", async () => {
        const mock = await call("POST", "/companies", { body: { name: "Checked", provider: { type: "mock" } } })
        const checked = await call("POST", `/companies/${mock.body.id}/provider/test`)
        expect(checked.status, checked.text).toBe(200)
        expect(checked.body).toEqual({ ok: true })
        const bare = await call("POST", "/companies", { body: { name: "No provider" } })
        expect((await call("POST", `/companies/${bare.body.id}/provider/test`)).body).toEqual({
          ok: false,
          error: "the company has no provider association"
        })
        expectError(await call("POST", `/companies/${crypto.randomUUID()}/provider/test`), 404, "not_found")
      })

      it("names each bad field of a company", async () => {
        const answer = await call("POST", "/companies", {
          body: {
            name: "",
            skills: [{ skill: "plumbing", level: "guru" }, { skill: "hvac", level: "basic", extra: 1 }],
            provider: { type: "sap" },
            colour: "red"
          }
        })
        expectError(answer, 400, "validation_error")
        expect(detailPaths(answer)).toEqual(expect.arrayContaining(["name", "skills.0.level", "skills.1.extra", "provider.type", "colour"]))
        const twice = await call("POST", "/companies", {
          body: { name: "Twice", skills: [{ skill: "hvac", level: "basic" }, { skill: "HVAC", level: "expert" }] }
        })
        expect(detailPaths(twice)).toEqual(["skills.1.skill"])
      })

      it("reads, lists, patches and replaces skills", async () => {
        expectError(await call("GET", `/companies/${crypto.randomUUID()}`), 404, "not_found")
        expectError(await call("GET", "/companies/not-a-uuid"), 400, "validation_error")
        const tagged = uniqueSkill("tag")
        const ids: Array<string> = []
        for (let i = 0; i < 3; i++) ids.push(await newCompany({ name: `Paged ${i}`, skills: [{ skill: tagged, level: "basic" }] }))
        // Newest first, then by id: companies created within the same millisecond come in the order of their ids.
        const listed = (await call("GET", `/companies?skill=${tagged}&limit=10`)).body.items as Array<{ id: string; created_at: string }>
        const newestFirst = [...listed].sort((a, b) => (`${a.created_at} ${a.id}` < `${b.created_at} ${b.id}` ? 1 : -1))
        expect(listed.map((c) => c.id)).toEqual(newestFirst.map((c) => c.id))
        expect([...listed.map((c) => c.id)].sort()).toEqual([...ids].sort())
        const first = await call("GET", `/companies?skill=${tagged}&limit=2`)
        expect(first.body.items.map((c: { id: string }) => c.id)).toEqual([listed[0]!.id, listed[1]!.id])
        expect(first.body.next_cursor).toEqual(expect.any(String))
        const second = await call("GET", `/companies?skill=${tagged}&limit=2&cursor=${first.body.next_cursor}`)
        expect(second.body).toEqual({ items: [expect.objectContaining({ id: listed[2]!.id })], next_cursor: null })
        expectError(await call("GET", "/companies?cursor=bogus"), 400, "validation_error")
        expectError(await call("GET", "/companies?limit=0"), 400, "validation_error")
        expectError(await call("GET", "/companies?limit=201"), 400, "validation_error")
        expectError(await call("GET", "/companies?status=sleeping"), 400, "validation_error")

        const patched = await call("PATCH", `/companies/${ids[0]}`, { body: { status: "inactive", rate_limit_per_minute: 10 } })
        expect(patched.body).toMatchObject({ status: "inactive", rate_limit_per_minute: 10, name: "Paged 0" })
        expect((await call("GET", `/companies?skill=${tagged}&status=inactive`)).body.items.map((c: { id: string }) => c.id))
          .toEqual([ids[0]])
        expectError(await call("PATCH", `/companies/${ids[0]}`, { body: {} }), 400, "validation_error")
        expectError(await call("PATCH", `/companies/${crypto.randomUUID()}`, { body: { name: "x" } }), 404, "not_found")

        const asArray = await call("PUT", `/companies/${ids[1]}/skills`, { body: [{ skill: "roofing", level: "expert" }] })
        expect(asArray.body.skills).toEqual([{ skill: "roofing", level: "expert", primary: false }])
        const asObject = await call("PUT", `/companies/${ids[1]}/skills`, { body: { skills: [] } })
        expect(asObject.body.skills).toEqual([])
        expectError(await call("POST", `/companies/${crypto.randomUUID()}/technicians`, { body: { name: "x" } }), 404, "not_found")
      })
    })

    describe("jobs", () => {
      it("accepts a job and routes it per the matching rules", async () => {
        const answer = await call("POST", "/jobs", { body: jobBody(), key: creatorKey })
        expect(answer.status, answer.text).toBe(201)
        expect(answer.headers.get("location")).toBe(`/jobs/${answer.body.id}`)
        expect(answer.body).toMatchObject({
          summary: "Kitchen faucet replacement",
          status: "pending",
          matching_score: 4.8,
          created_by_company_id: creator,
          created_by_technician_id: technician,
          priority: "normal",
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
        })
        expect(answer.body.routings.map((r: Record<string, unknown>) => [r["company_id_received"], r["score"], r["sync_status"]]))
          .toEqual([[abc, 4.8, "pending"], [xyz, 3.3, "pending"]])
        expect(answer.body.routings[0]).toMatchObject({ matched_skills: [plumbing, electrical], reason: expect.any(String) })
        const read = await call("GET", `/jobs/${answer.body.id}`, { key: creatorKey })
        expect(read.body).toEqual(answer.body)
      })

      it("shows a receiving company only its own routing, and nothing to others", async () => {
        const job = (await call("POST", "/jobs", { body: jobBody() })).body
        const asReceiver = await call("GET", `/jobs/${job.id}`, { key: abcKey })
        expect(asReceiver.status).toBe(200)
        expect(asReceiver.body.routings.map((r: { company_id_received: string }) => r.company_id_received)).toEqual([abc])
        expectError(await call("GET", `/jobs/${job.id}`, { key: strangerKey }), 404, "not_found")
        expectError(await call("POST", `/jobs/${job.id}/cancel`, { key: abcKey }), 403, "forbidden")
        expectError(await call("POST", "/jobs", { body: jobBody({ created_by_company_id: abc, created_by_technician_id: null }), key: creatorKey }), 403, "forbidden")
        const listed = await call("GET", "/jobs?limit=200", { key: strangerKey })
        expect(listed.body.items.map((j: { id: string }) => j.id)).not.toContain(job.id)
        expectError(await call("GET", `/jobs?company_id=${abc}`, { key: creatorKey }), 403, "forbidden")
      })

      it("answers the same job for a repeated Idempotency-Key and 409 for another body", async () => {
        const key = `idem-${crypto.randomUUID()}`
        const first = await call("POST", "/jobs", { body: jobBody(), headers: { "idempotency-key": key } })
        const again = await call("POST", "/jobs", { body: jobBody(), headers: { "idempotency-key": key } })
        expect(again.status).toBe(201)
        expect(again.body).toEqual(first.body)
        expectError(await call("POST", "/jobs", { body: jobBody({ summary: "Other" }), headers: { "idempotency-key": key } }), 409, "conflict")
        expectError(await call("POST", "/jobs", { body: jobBody(), headers: { "idempotency-key": "has space" } }), 400, "validation_error")
      })

      it("takes jobs in bulk, each standing or failing on its own, with its own idempotency key", async () => {
        const key = `bulk-${crypto.randomUUID()}`
        const answer = await call("POST", "/jobs/bulk", {
          body: {
            jobs: [
              { ...jobBody(), idempotency_key: key },
              { ...jobBody(), summary: "" },
              jobBody({ created_by_company_id: crypto.randomUUID() }),
              { ...jobBody(), idempotency_key: "has space" },
              jobBody({ summary: "Water heater flush" })
            ]
          }
        })
        expect(answer.status, answer.text).toBe(200)
        const results = answer.body.results as Array<{ index: number; status: number; job?: any; error?: any }>
        expect(results.map((r) => [r.index, r.status])).toEqual([[0, 201], [1, 400], [2, 422], [3, 400], [4, 201]])
        expect(results[1]!.error).toEqual({ code: "validation_error", message: expect.any(String), details: expect.any(Array) })
        expect(detailPaths({ ...answer, body: { error: results[1]!.error } })).toContain("summary")
        expect(results[2]!.error.code).toBe("validation_error")
        expect(results[3]!.error.details.map((d: { path: string }) => d.path)).toEqual(["idempotency_key"])
        expect(results[0]!.job.routings.length).toBeGreaterThan(0)
        expect(results[4]!.job.summary).toBe("Water heater flush")
        // Each accepted job is a job like any other; its key answers it again, in bulk or not.
        expect((await call("GET", `/jobs/${results[4]!.job.id}`)).body.id).toBe(results[4]!.job.id)
        const again = await call("POST", "/jobs", { body: jobBody(), headers: { "idempotency-key": key } })
        expect(again.status).toBe(201)
        expect(again.body.id).toBe(results[0]!.job.id)
        const other = await call("POST", "/jobs/bulk", { body: { jobs: [{ ...jobBody({ summary: "Other" }), idempotency_key: key }] } })
        expect(other.body.results[0].status).toBe(409)
        // A company key may only create its own company's jobs; the others' fail alone.
        const mixed = await call("POST", "/jobs/bulk", {
          key: creatorKey,
          body: { jobs: [jobBody(), jobBody({ created_by_company_id: abc })] }
        })
        expect(mixed.status, mixed.text).toBe(200)
        expect(mixed.body.results.map((r: { status: number }) => r.status)).toEqual([201, 403])
      })

      it("answers a bulk sent again from its jobs' keys, and jobs of one bulk sharing a key as if sent one after the other", async () => {
        const key = `bulk-${crypto.randomUUID()}`
        const jobs = [
          { ...jobBody({ summary: "First" }), idempotency_key: `${key}-a` },
          { ...jobBody({ summary: "First" }), idempotency_key: `${key}-a` },
          { ...jobBody({ summary: "Not the first" }), idempotency_key: `${key}-a` },
          { ...jobBody({ summary: "Second" }), idempotency_key: `${key}-b` },
          jobBody({ summary: "Keyless" })
        ]
        const first = await call("POST", "/jobs/bulk", { body: { jobs } })
        expect(first.status, first.text).toBe(200)
        const results = first.body.results as Array<{ status: number; job?: { id: string }; error?: { code: string } }>
        expect(results.map((r) => r.status)).toEqual([201, 201, 409, 201, 201])
        expect(results[1]!.job!.id).toBe(results[0]!.job!.id)
        expect(results[2]!.error!.code).toBe("conflict")
        expect(new Set(results.map((r) => r.job?.id)).size).toBe(4)

        const again = await call("POST", "/jobs/bulk", { body: { jobs } })
        const replayed = again.body.results as typeof results
        expect(replayed.map((r) => r.status)).toEqual([201, 201, 409, 201, 201])
        expect(replayed.slice(0, 4).map((r) => r.job?.id)).toEqual(results.slice(0, 4).map((r) => r.job?.id))
        // A job without a key is a new job each time, as with POST /jobs.
        expect(replayed[4]!.job!.id).not.toBe(results[4]!.job!.id)
      })

      it("refuses a bulk that is empty, too long, not a list of objects or over its size limit", async () => {
        expectError(await call("POST", "/jobs/bulk", { body: { jobs: [] } }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { body: { jobs: Array.from({ length: 101 }, () => jobBody()) } }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { body: { jobs: ["job"] } }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { body: [jobBody()] }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { body: { jobs: [jobBody()], extra: 1 } }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { body: { jobs: null } }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { body: {} }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { raw: "{not json", headers: { "content-type": "application/json" } }), 400, "validation_error")
        expectError(await call("POST", "/jobs/bulk", { raw: "{}", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type")
        const big = { jobs: [jobBody({ summary: "x".repeat(2000) })] }
        expect((await call("POST", "/jobs/bulk", { body: big })).status).toBe(200)
        expectError(
          await call("POST", "/jobs/bulk", { raw: "x".repeat(1024 * 1024 + 1), headers: { "content-type": "application/json" } }),
          413,
          "payload_too_large"
        )
      })

      it("refuses bad input with the error body and never a 500", async () => {
        expectError(await call("POST", "/jobs", { raw: "{not json", headers: { "content-type": "application/json" } }), 400, "validation_error")
        expectError(await call("POST", "/jobs", { raw: "{}", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type")
        expectError(await call("POST", "/jobs", { raw: "x".repeat(70_000), headers: { "content-type": "application/json" } }), 413, "payload_too_large")
        expectError(await call("POST", "/jobs", { body: [] }), 400, "validation_error")
        expectError(await call("POST", "/jobs", { body: null }), 400, "validation_error")
        const wrong = await call("POST", "/jobs", {
          body: jobBody({ summary: 5, required_skills: "plumbing", priority: "asap", homeowner: { name: "J", email: "nope" }, bonus: true })
        })
        expectError(wrong, 400, "validation_error")
        expect(detailPaths(wrong)).toEqual(expect.arrayContaining(["summary", "required_skills", "priority", "homeowner.email", "bonus"]))
        const noSkills = await call("POST", "/jobs", { body: jobBody({ required_skills: [], category: undefined, skill_levels: {} }) })
        expect(detailPaths(noSkills)).toEqual(["required_skills"])
        const strayLevel = await call("POST", "/jobs", { body: jobBody({ skill_levels: { roofing: "basic" } }) })
        expect(detailPaths(strayLevel)).toEqual(["skill_levels.roofing"])
        const unknownCompany = await call("POST", "/jobs", { body: jobBody({ created_by_company_id: crypto.randomUUID(), created_by_technician_id: null }) })
        expectError(unknownCompany, 422, "validation_error")
        const foreignTech = await call("POST", "/jobs", { body: jobBody({ created_by_company_id: abc }) })
        expectError(foreignTech, 422, "validation_error")
        expect(detailPaths(foreignTech)).toEqual(["created_by_technician_id"])
        const unstorable = await call("POST", "/jobs", {
          body: jobBody({ summary: "nul \u0000 inside", address: { street: "\ud800", city: "A", state: "CA", zip_code: "1" } })
        })
        expectError(unstorable, 400, "validation_error")
        expect(detailPaths(unstorable)).toEqual(["summary", "address.street"])
        const badConfig = await call("POST", "/companies", { body: { name: "N", provider: { type: "mock", config: { "k\u0000": "v", x: "\udfff" } } } })
        expectError(badConfig, 400, "validation_error")
        expectError(await call("GET", "/jobs?limit=1&limit=2"), 400, "validation_error")
        expect((await call("GET", "/jobs/%E0%A4%A")).status).toBeLessThan(500)
        expectError(await call("GET", "/jobs/123"), 400, "validation_error")
        expectError(await call("GET", `/jobs/${crypto.randomUUID()}`), 404, "not_found")
        expectError(await call("GET", "/nowhere"), 404, "not_found")
      })

      it("creates an unmatched job when no company can do it", async () => {
        const answer = await call("POST", "/jobs", { body: jobBody({ required_skills: [uniqueSkill()], skill_levels: {} }) })
        expect(answer.status).toBe(201)
        expect(answer.body).toMatchObject({ status: "unmatched", matching_score: 0, routings: [] })
      })

      it("lists jobs newest first with a cursor and filters", async () => {
        const before = new Date().toISOString()
        const created: Array<string> = []
        for (let i = 0; i < 3; i++) created.push((await call("POST", "/jobs", { body: jobBody(), key: creatorKey })).body.id)
        const first = await call("GET", `/jobs?limit=2&created_after=${encodeURIComponent(before)}&company_id=${creator}`)
        expect(first.body.items.map((j: { id: string }) => j.id)).toEqual([created[2], created[1]])
        const second = await call("GET", `/jobs?limit=2&created_after=${encodeURIComponent(before)}&company_id=${creator}&cursor=${first.body.next_cursor}`)
        expect(second.body.items.map((j: { id: string }) => j.id)).toEqual([created[0]])
        expect(second.body.next_cursor).toBeNull()
        const asReceiver = await call("GET", `/jobs?limit=200&created_after=${encodeURIComponent(before)}`, { key: abcKey })
        expect(asReceiver.body.items.map((j: { id: string }) => j.id)).toEqual([created[2], created[1], created[0]])
        expectError(await call("GET", "/jobs?status=lost"), 400, "validation_error")
        expectError(await call("GET", "/jobs?priority=asap"), 400, "validation_error")
        expectError(await call("GET", "/jobs?created_after=yesterday"), 400, "validation_error")
        expectError(await call("GET", "/jobs?created_after=0000-01-01T00:00:00Z"), 400, "validation_error")
        const outOfRange = btoa(JSON.stringify({ createdAt: "-000001-01-01T00:00:00.000Z", id: crypto.randomUUID() }))
        expectError(await call("GET", `/jobs?cursor=${encodeURIComponent(outOfRange)}`), 400, "validation_error")
        expect((await call("GET", "/jobs?status=unmatched&limit=200")).body.items.every((j: { status: string }) => j.status === "unmatched")).toBe(true)
        const urgent = (await call("POST", "/jobs", { body: jobBody({ priority: "urgent" }) })).body.id as string
        const urgentOnes = (await call("GET", `/jobs?priority=urgent&created_after=${encodeURIComponent(before)}`)).body.items
        expect(urgentOnes.map((j: { id: string }) => j.id)).toEqual([urgent])
        expect(urgentOnes[0].priority).toBe("urgent")
      })

      it("searches jobs by words and phone digits, routing status, external id and creation time", async () => {
        const word = `zq${crypto.randomUUID().slice(0, 8)}`
        const digits = String(Math.floor(1e9 + Math.random() * 9e9))
        const phone = `+1 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`
        const body = (name: string) => jobBody({ summary: `Leaky ${word} valve`, homeowner: { name, phone, email: `${name.toLowerCase()}@${word}.example` } })
        const older = (await call("POST", "/jobs", { body: body("Ada"), key: creatorKey })).body
        const newer = (await call("POST", "/jobs", { body: body("Grace"), key: creatorKey })).body
        const ids = (answer: Answer) => answer.body.items.map((j: { id: string }) => j.id)
        const search = (query: string, key?: string) => call("GET", `/jobs?${query}`, key === undefined ? {} : { key })
        expect(ids(await search(`q=${word}`))).toEqual([newer.id, older.id])
        expect(ids(await search(`q=${encodeURIComponent(`${word.slice(0, 6).toUpperCase()} grace`)}`))).toEqual([newer.id])
        expect(ids(await search(`q=${encodeURIComponent(`${digits.slice(0, 3)} ${digits.slice(3, 7)}`)}`))).toEqual([newer.id, older.id])
        expect(ids(await search(`q=${encodeURIComponent(`GRACE@${word}.EX`)}`))).toEqual([newer.id])
        expect(ids(await search(`q=${word}&created_before=${encodeURIComponent(newer.created_at)}`))).toEqual([older.id])
        const first = await search(`q=${word}&limit=1`)
        expect(ids(first)).toEqual([newer.id])
        expect(ids(await search(`q=${word}&limit=1&cursor=${first.body.next_cursor}`))).toEqual([older.id])
        expect((await call("POST", `/jobs/${older.id}/cancel`, { key: creatorKey })).status).toBe(200)
        expect(ids(await search(`q=${word}&routing_status=canceled`, creatorKey))).toEqual([older.id])
        expect(ids(await search(`q=${word}&external_id=no-such-lead`))).toEqual([])
        expect(ids(await search(`q=${word}`, abcKey))).toEqual([newer.id, older.id])
        expect(ids(await search(`q=${word}`, strangerKey))).toEqual([])
        const doc = await call("GET", "/openapi.json", { key: null })
        const parameters = doc.body.paths["/jobs"].get.parameters as Array<{ name: string; schema: { description?: string } }>
        const documented = parameters.filter((p) => ["q", "external_id", "routing_status", "created_before"].includes(p.name))
        expect(documented.map((p) => p.name).sort()).toEqual(["created_before", "external_id", "q", "routing_status"])
        expect(documented.every((p) => (p.schema.description ?? "").length > 0)).toBe(true)
        for (
          const query of [
            "q=",
            "q=%20-%20",
            `q=${"a".repeat(201)}`,
            "routing_status=lost",
            "routing_status=",
            "external_id=",
            `external_id=${"x".repeat(201)}`,
            "created_before=yesterday",
            "created_before=0000-01-01T00:00:00Z"
          ]
        ) {
          const answer = await search(query)
          expectError(answer, 400, "validation_error")
          expect(new Set(detailPaths(answer))).toEqual(new Set([query.slice(0, query.indexOf("="))]))
        }
      })

      it("cancels every routing not yet delivered", async () => {
        const job = (await call("POST", "/jobs", { body: jobBody(), key: creatorKey })).body
        const pendingEvents = async () => (await call("GET", "/admin/outbox")).body.pending as number
        const before = await pendingEvents()
        const canceled = await call("POST", `/jobs/${job.id}/cancel`, { key: creatorKey })
        expect(canceled.status).toBe(200)
        expect(canceled.body.status).toBe("canceled")
        expect(canceled.body.routings.map((r: { sync_status: string }) => r.sync_status)).toEqual(["canceled", "canceled"])
        expect(await pendingEvents(), "one job.canceled event").toBe(before + 1)
        expect((await call("POST", `/jobs/${job.id}/cancel`)).body.status).toBe("canceled")
        expect(await pendingEvents()).toBe(before + 1)
        expectError(await call("POST", `/jobs/${crypto.randomUUID()}/cancel`), 404, "not_found")
      })

      it("schedules a job for deliver_after: scheduled routings, held events, cancelable; 400 for a bad or too far time", async () => {
        const pendingEvents = async () => (await call("GET", "/admin/outbox")).body.pending as number
        const before = await pendingEvents()
        const inAnHour = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000)
        // The same instant written with a +02:00 offset: the wall clock there is two hours ahead of UTC.
        const withOffset = new Date(inAnHour.getTime() + 2 * 3_600_000).toISOString().replace(/\.000Z$/, "+02:00")
        const scheduled = await call("POST", "/jobs", { body: jobBody({ deliver_after: inAnHour.toISOString() }), key: creatorKey })
        expect(scheduled.status, scheduled.text).toBe(201)
        expect(scheduled.body).toMatchObject({ status: "pending", deliver_after: inAnHour.toISOString() })
        expect(scheduled.body.routings.map((r: { sync_status: string }) => r.sync_status)).toEqual(["scheduled", "scheduled"])
        expect((await call("GET", `/jobs/${scheduled.body.id}`, { key: creatorKey })).body).toEqual(scheduled.body)
        expect(await pendingEvents(), "held events are no backlog").toBe(before)
        const offset = await call("POST", "/jobs", { body: jobBody({ deliver_after: withOffset }), key: creatorKey })
        expect(offset.body.deliver_after).toBe(inAnHour.toISOString())
        await call("POST", `/jobs/${offset.body.id}/cancel`, { key: creatorKey })
        const canceled = await call("POST", `/jobs/${scheduled.body.id}/cancel`, { key: creatorKey })
        expect(canceled.body.status).toBe("canceled")
        expect(canceled.body.routings.map((r: { sync_status: string }) => r.sync_status)).toEqual(["canceled", "canceled"])

        const past = await call("POST", "/jobs", { body: jobBody({ deliver_after: "2020-01-01T00:00:00Z" }), key: creatorKey })
        expect(past.status, past.text).toBe(201)
        expect(past.body.deliver_after).toBe("2020-01-01T00:00:00.000Z")
        expect(past.body.routings.map((r: { sync_status: string }) => r.sync_status)).toEqual(["pending", "pending"])
        const plain = await call("POST", "/jobs", { body: jobBody(), key: creatorKey })
        expect(plain.body.deliver_after).toBeNull()

        const tooFar = new Date(Date.now() + 31 * 86_400_000).toISOString()
        for (const bad of [tooFar, "tomorrow", "2026-12-07T10:00:00", "2026-13-01T00:00:00Z", 1765000000, null]) {
          const refused = await call("POST", "/jobs", { body: jobBody({ deliver_after: bad }), key: creatorKey })
          expectError(refused, 400, "validation_error")
          expect(new Set(detailPaths(refused)), String(bad)).toEqual(new Set(["deliver_after"]))
        }
        const bulk = await call("POST", "/jobs/bulk", {
          body: { jobs: [jobBody({ deliver_after: tooFar }), jobBody({ deliver_after: inAnHour.toISOString() })] },
          key: creatorKey
        })
        expect(bulk.body.results.map((r: { status: number }) => r.status)).toEqual([400, 201])
        expect(bulk.body.results[0].error.details).toEqual([{ path: "deliver_after", message: "at most 30 days ahead" }])
        expect(bulk.body.results[1].job.routings[0].sync_status).toBe("scheduled")

        const doc = (await call("GET", "/openapi.json", { key: null })).body
        expect(doc.components.schemas.Routing.properties.sync_status.enum).toContain("scheduled")
        expect(doc.components.schemas.CreateJob.properties.deliver_after.description).toContain("30 days")
        expect(doc.components.schemas.Job.properties.deliver_after).toBeDefined()
      })

      /**
       * A job from the creator to ABC and XYZ, made a year ago, so that the delivery SLA's windows (read by another test
       * of this database) do not count it.
       */
      const yearOldJob = async () => {
        const job = makeJob(CompanyId.make(creator), [CompanyId.make(abc), CompanyId.make(xyz)], {
          createdAt: new Date(Date.now() - 365 * 86_400_000)
        })
        await api.runtime.runPromise(Effect.flatMap(JobRepo, (jobs) => jobs.insert([job])))
        return { id: job.id, routings: job.routings.map((r) => r.id) as [RoutingId, RoutingId] }
      }

      /** Delivers a routing as delivery would: claimed, then finished as synced. */
      const deliver = (id: RoutingId) =>
        api.runtime.runPromise(Effect.flatMap(RoutingRepo, (routings) =>
          Effect.suspend(() => {
            const leaseUntil = new Date(Date.now() + 60_000)
            return Effect.zipRight(
              routings.claim(id, new Date(), leaseUntil),
              routings.finish([{ id, leaseUntil, result: { _tag: "Synced", externalId: `lead-${id}`, outcome: "created" }, timing: { at: new Date(), durationMs: 1 } }])
            )
          })))

      it("leaves delivered routings to an admin's cancel, never dismissing one its provider reports under way", async () => {
        const job = await yearOldJob()
        const [first, second] = job.routings
        await deliver(first)
        await deliver(second)
        const canceled = await call("POST", `/jobs/${job.id}/cancel`, { key: creatorKey })
        expect(canceled.status, canceled.text).toBe(200)
        expect(canceled.body.status).toBe("routed")
        expect(canceled.body.routings.map((r: { sync_status: string }) => r.sync_status)).toEqual(["synced", "synced"])
        expect((await call("POST", `/jobs/${job.id}/cancel`)).body.routings.map((r: { sync_status: string }) => r.sync_status))
          .toEqual(["synced", "synced"])
        expectError(await call("POST", `/routings/${first}/cancel`, { key: creatorKey }), 403, "forbidden")
        expectError(await call("POST", `/routings/${first}/cancel`, { key: abcKey }), 403, "forbidden")
        await api.runtime.runPromise(Effect.flatMap(RoutingRepo, (routings) =>
          routings.recordStatus(second, { externalStatus: "in_progress", revenue: null, completedAt: null }, new Date())))
        expectError(await call("POST", `/routings/${second}/cancel`), 409, "conflict")
        expect((await call("GET", `/routings/${second}`)).body.sync_status).toBe("synced")
        const dismissed = await call("POST", `/routings/${first}/cancel`)
        expect(dismissed.status, dismissed.text).toBe(200)
        expect(dismissed.body.sync_status).toBe("canceled")
        expect(dismissed.body.attempts_log.at(-1)).toMatchObject({ outcome: "canceled_locally" })
      })

      it("shows the creator every routing's status but another company's provider errors and revenue to no one else", async () => {
        const job = await yearOldJob()
        const [toAbc, toXyz] = job.routings
        const providerSaid = `xyz's provider said: token ${crypto.randomUUID()} refused`
        await deliver(toAbc)
        const leaseUntil = new Date(Date.now() + 60_000)
        await api.runtime.runPromise(Effect.flatMap(RoutingRepo, (routings) =>
          Effect.all([
            routings.recordStatus(toAbc, { externalStatus: "completed", revenue: 123.45, completedAt: new Date() }, new Date()),
            routings.claim(toXyz, new Date(), leaseUntil),
            routings.finish([{
              id: toXyz,
              leaseUntil,
              result: { _tag: "Failed", status: "retrying", outcome: "retryable", error: providerSaid, counts: true, known: true },
              timing: { at: new Date(), durationMs: 1 }
            }])
          ])))
        const asAdmin = (await call("GET", `/jobs/${job.id}`)).body
        expect(asAdmin.routings.map((r: Record<string, unknown>) => [r["revenue"], r["last_error"]])).toEqual([[123.45, null], [null, providerSaid]])
        const seen = await call("GET", `/jobs/${job.id}`, { key: creatorKey })
        expect(seen.body.routings.map((r: Record<string, unknown>) => [r["sync_status"], r["external_status"], r["revenue"], r["last_error"]]))
          .toEqual([["synced", "completed", null, null], ["retrying", null, null, null]])
        expect(seen.body.routings[0].synced_at).toEqual(asAdmin.routings[0].synced_at)
        const routing = await call("GET", `/routings/${toXyz}`, { key: creatorKey })
        expect(routing.body.attempts_log).toEqual([expect.objectContaining({ outcome: "retryable", error: null })])
        const listed = await call("GET", `/jobs?limit=200`, { key: creatorKey })
        expect(listed.text).not.toContain(providerSaid)
        expect(routing.text + seen.text).not.toContain(providerSaid)
        const ownRouting = await call("GET", `/jobs/${job.id}`, { key: abcKey })
        expect(ownRouting.body.routings).toEqual([expect.objectContaining({ id: toAbc, revenue: 123.45 })])
        const canceled = await call("POST", `/jobs/${job.id}/cancel`, { key: creatorKey })
        expect(canceled.status, canceled.text).toBe(200)
        expect(canceled.text).not.toContain(providerSaid)
        expect(canceled.body.routings.map((r: Record<string, unknown>) => r["revenue"])).toEqual([null, null])
      })

      it("still finds an archived job, read-only, with archived: true and the same access rules", async () => {
        const day = 86_400_000
        const job = makeJob(CompanyId.make(creator), [CompanyId.make(abc), CompanyId.make(xyz)], {
          createdAt: new Date(Date.now() - 400 * day),
          status: "completed"
        })
        await api.runtime.runPromise(Effect.flatMap(JobRepo, (jobs) => jobs.insert([job])))
        const live = await call("GET", `/jobs/${job.id}`)
        expect(live.body).toMatchObject({ id: job.id, status: "completed", archived: false })
        const moved = await api.runtime.runPromise(Effect.flatMap(ArchiveRepo, (archive) =>
          archive.archiveBatch(new Date(Date.now() - 300 * day), new Date(), 1000)))
        expect(moved).toContain(job.id)

        const archived = await call("GET", `/jobs/${job.id}`)
        expect(archived.status, archived.text).toBe(200)
        expect(archived.body).toEqual({ ...live.body, archived: true })
        expect((await call("GET", `/jobs/${job.id}`, { key: creatorKey })).body).toEqual(archived.body)
        const asReceiver = await call("GET", `/jobs/${job.id}`, { key: abcKey })
        expect(asReceiver.body.archived).toBe(true)
        expect(asReceiver.body.routings.map((r: { company_id_received: string }) => r.company_id_received)).toEqual([abc])
        expectError(await call("GET", `/jobs/${job.id}`, { key: strangerKey }), 404, "not_found")
        expectError(await call("POST", `/jobs/${job.id}/cancel`, { key: creatorKey }), 409, "conflict")
        expectError(await call("POST", `/jobs/${job.id}/cancel`), 409, "conflict")
        expectError(await call("POST", `/jobs/${job.id}/cancel`, { key: abcKey }), 403, "forbidden")
        expectError(await call("POST", `/jobs/${job.id}/cancel`, { key: strangerKey }), 404, "not_found")
        const listed = await call("GET", `/jobs?company_id=${creator}&status=completed&limit=200`)
        expect(listed.body.items.map((j: { id: string }) => j.id)).not.toContain(job.id)
      })
    })

    describe("routings and operations", () => {
      it("shows a routing with its attempts to those involved, cancels it, and refuses retrying one not failed", async () => {
        const job = (await call("POST", "/jobs", { body: jobBody(), key: creatorKey })).body
        const routing = job.routings[0]
        const read = await call("GET", `/routings/${routing.id}`, { key: abcKey })
        expect(read.status, read.text).toBe(200)
        expect(read.body).toMatchObject({ id: routing.id, job_id: job.id, sync_status: "pending", attempts_log: [] })
        expectError(await call("GET", `/routings/${routing.id}`, { key: strangerKey }), 404, "not_found")
        expectError(await call("GET", `/routings/${job.routings[1].id}`, { key: abcKey }), 404, "not_found")
        expectError(await call("POST", `/routings/${routing.id}/retry`, { key: creatorKey }), 403, "forbidden")
        expectError(await call("POST", `/routings/${routing.id}/retry`), 409, "conflict")
        expectError(await call("POST", `/routings/${routing.id}/cancel`, { key: abcKey }), 403, "forbidden")
        const canceled = await call("POST", `/routings/${routing.id}/cancel`, { key: creatorKey })
        expect(canceled.body.sync_status).toBe("canceled")
        expectError(await call("GET", `/routings/${crypto.randomUUID()}`), 404, "not_found")
        expectError(await call("GET", "/routings/nope"), 400, "validation_error")
      })

      it("answers the operations routes to the admin only", async () => {
        for (const path of ["/admin/workers", "/admin/replicas", "/admin/streams", "/admin/dlq", "/admin/outbox", "/admin/providers/mock/leads"]) {
          expectError(await call("GET", path, { key: creatorKey }), 403, "forbidden")
          const answer = await call("GET", path)
          expect(answer.status, `${path}: ${answer.text}`).toBe(200)
        }
        const outbox = await call("GET", "/admin/outbox")
        expect(outbox.body).toEqual({ pending: expect.any(Number), oldest_pending_age_ms: expect.any(Number) })
        expect((await call("GET", "/admin/dlq")).body).toEqual({ items: [] })
        expect((await call("GET", "/admin/providers/mock/leads")).body).toMatchObject({ items: [], total: 0, duplicates: 0 })
        expectError(await call("GET", "/admin/dlq?limit=0"), 400, "validation_error")
        expectError(await call("POST", "/admin/dlq/12345/replay"), 404, "not_found")
        expectError(await call("DELETE", "/admin/dlq/12345"), 404, "not_found")
        expectError(await call("DELETE", "/admin/dlq/abc"), 400, "validation_error")
        const paused = await call("POST", `/admin/companies/${xyz}/pause`)
        expect(paused.body).toMatchObject({ id: xyz, delivery_paused: true })
        expect((await call("POST", `/admin/companies/${xyz}/resume`)).body.delivery_paused).toBe(false)
        expectError(await call("POST", `/admin/companies/${crypto.randomUUID()}/pause`), 404, "not_found")
      })

      it("retries a company's failed routings and replays the matching dead letters in bulk, for the admin only", async () => {
        const viewer = (await call("POST", "/api-keys", { body: { role: "viewer", name: "bulk" } })).body.key as string
        for (const key of [creatorKey, viewer]) {
          expectError(await call("POST", "/admin/routings/retry", { key, body: { company_id: abc, status: "failed" } }), 403, "forbidden")
          expectError(await call("POST", "/admin/dlq/replay", { key, body: {} }), 403, "forbidden")
        }
        for (
          const body of [{}, { company_id: abc }, { company_id: abc, status: "pending" }, { company_id: "nope", status: "failed" }, {
            company_id: abc,
            status: "failed",
            extra: 1
          }]
        ) expectError(await call("POST", "/admin/routings/retry", { body }), 400, "validation_error")
        expectError(await call("POST", "/admin/routings/retry", { body: { company_id: crypto.randomUUID(), status: "failed" } }), 404, "not_found")
        for (
          const body of [{ extra: 1 }, { company_id: "nope" }, { reason_contains: "" }, { reason_contains: "x".repeat(201) }, { reason_contains: 5 }, {
            before: "yesterday"
          }]
        ) expectError(await call("POST", "/admin/dlq/replay", { body }), 400, "validation_error")
        expectError(await call("POST", "/admin/dlq/replay", { body: { company_id: crypto.randomUUID() } }), 404, "not_found")
        const paths = Object.keys((await call("GET", "/openapi.json", { key: null })).body.paths)
        expect(paths).toEqual(expect.arrayContaining(["/admin/dlq/replay", "/admin/routings/retry"]))

        const jobs = Array.from({ length: 3 }, () => makeJob(CompanyId.make(creator), [CompanyId.make(abc), CompanyId.make(xyz)]))
        const [toAbc, toXyz] = [jobs.map((j) => j.routings[0]!.id), jobs.map((j) => j.routings[1]!.id)]
        await api.runtime.runPromise(Effect.gen(function*() {
          yield* (yield* JobRepo).insert(jobs)
          yield* (yield* RoutingRepo).finish([...toAbc, ...toXyz].map((id) => ({
            id,
            leaseUntil: null,
            result: { _tag: "Failed", status: "failed", outcome: "error", error: "Provider said 500", counts: true, known: true } as const,
            timing: { at: new Date(), durationMs: 1 }
          })))
          yield* provisionStreams.pipe(Effect.provideService(StreamReplicas, 1))
          const reasons = ["Provider said 500", "provider SAID 500", "timed out"]
          const letters = [...toAbc.map((id, i) => ({ id, company: abc, reason: reasons[i]! })), { id: toXyz[0]!, company: xyz, reason: reasons[0]! }]
          yield* Effect.forEach(letters, ({ id, company, reason }) =>
            sendToDeadLetters({
              subject: "work",
              data: new TextEncoder().encode("{}"),
              headers: {},
              routingId: id,
              jobId: jobs.find((job) => job.routings.some((r) => r.id === id))!.id,
              companyId: CompanyId.make(company),
              attempts: 5,
              reason
            }))
        }))
        const statusOf = async (id: string) => (await call("GET", `/routings/${id}`)).body.sync_status

        expect((await call("POST", "/admin/routings/retry", { body: { company_id: xyz, status: "failed" } })).body).toEqual({ count: 3, batches: 1 })
        for (const id of toXyz) expect(await statusOf(id)).toBe("pending")
        for (const id of toAbc) expect(await statusOf(id)).toBe("failed")
        expect((await call("POST", "/admin/routings/retry", { body: { company_id: xyz, status: "failed" } })).body).toEqual({ count: 0, batches: 0 })
        expect((await call("GET", "/admin/dlq")).body.items).toHaveLength(4)

        expect((await call("POST", "/admin/dlq/replay", { body: { before: "2000-01-01T00:00:00Z" } })).body).toMatchObject({ count: 0, skipped: 0 })
        const byReason = await call("POST", "/admin/dlq/replay", { body: { company_id: abc.toUpperCase(), reason_contains: "PROVIDER said" } })
        expect(byReason.body).toEqual({ count: 2, skipped: 0, batches: 1 })
        expect([await statusOf(toAbc[0]!), await statusOf(toAbc[1]!), await statusOf(toAbc[2]!)]).toEqual(["pending", "pending", "failed"])
        const rest = await call("POST", "/admin/dlq/replay", { body: { before: new Date(Date.now() + 60_000).toISOString() } })
        expect(rest.body).toEqual({ count: 1, skipped: 1, batches: 1 })
        expect(await statusOf(toAbc[2]!)).toBe("pending")
        const left = (await call("GET", "/admin/dlq")).body.items
        expect(left).toEqual([expect.objectContaining({ routing_id: toXyz[0], company_id: xyz })])
        expect((await call("POST", "/admin/dlq/replay", { body: {} })).body).toEqual({ count: 0, skipped: 1, batches: 1 })
        expect((await call("DELETE", `/admin/dlq/${left[0].id}`)).status).toBe(200)
      })
    })

    describe("matching preview", () => {
      it("answers the matches and writes nothing; a company key sees no other company's id or name", async () => {
        const before = (await call("GET", `/jobs?company_id=${creator}&limit=200`)).body.items.length
        const answer = await call("POST", "/matching/preview", { body: { ...jobBody(), summary: "ignored" } })
        expect(answer.status, answer.text).toBe(200)
        expect(answer.body.matches).toEqual([
          { company_id: abc, company_name: "ABC Plumbing", score: 4.8, matched_skills: [plumbing, electrical], reason: expect.any(String) },
          { company_id: xyz, company_name: "XYZ Services", score: 3.3, matched_skills: [electrical], reason: expect.any(String) }
        ])
        const asCompany = await call("POST", "/matching/preview", { body: { ...jobBody(), summary: "ignored" }, key: creatorKey })
        expect(asCompany.status, asCompany.text).toBe(200)
        expect(asCompany.body.matches).toEqual([
          { score: 4.8, matched_skills: [plumbing, electrical], reason: expect.any(String) },
          { score: 3.3, matched_skills: [electrical], reason: expect.any(String) }
        ])
        expect(asCompany.text).not.toContain(abc)
        expect(asCompany.text).not.toContain("ABC Plumbing")
        expect((await call("GET", `/jobs?company_id=${creator}&limit=200`)).body.items.length).toBe(before)
        expectError(await call("POST", "/matching/preview", { body: { required_skills: 3 } }), 400, "validation_error")
      })

      it("routes a job only to the companies serving its ZIP code, and the preview names those left out", async () => {
        const roofing = uniqueSkill("roofing")
        const skills = [{ skill: roofing, level: "basic" }]
        const local = await newCompany({ name: "Springfield Roofing", skills, provider: { type: "mock" }, service_areas: ["627"] })
        const beverly = await newCompany({ name: "Beverly Roofing", skills, provider: { type: "mock" }, service_areas: ["90210"] })
        const anywhere = await newCompany({ name: "Anywhere Roofing", skills, provider: { type: "mock" } })
        const roofJob = (zip: string) =>
          jobBody({ address: { street: "1 Elm St", city: "Springfield", state: "IL", zip_code: zip }, required_skills: [roofing], skill_levels: {}, category: roofing })
        const receivers = async (zip: string) => {
          const answer = await call("POST", "/jobs", { body: roofJob(zip) })
          expect(answer.status, answer.text).toBe(201)
          return answer.body.routings.map((r: { company_id_received: string }) => r.company_id_received).sort()
        }
        expect(await receivers("62701-1234")).toEqual([local, anywhere].sort())
        expect(await receivers("90210")).toEqual([beverly, anywhere].sort())
        expect(await receivers("K1A 0B1")).toEqual([anywhere])

        const preview = await call("POST", "/matching/preview", { body: roofJob("90210") })
        expect(preview.status, preview.text).toBe(200)
        expect(preview.body.matches.map((m: { company_id: string }) => m.company_id).sort()).toEqual([beverly, anywhere].sort())
        expect(preview.body.excluded).toEqual([{ company_id: local, company_name: "Springfield Roofing", reason: "does not serve 90210" }])
        const asCompany = await call("POST", "/matching/preview", { body: roofJob("90210"), key: creatorKey })
        expect(asCompany.body.excluded).toEqual([{ reason: "does not serve 90210" }])
        expect(asCompany.text).not.toContain(local)
        const noZip = await call("POST", "/matching/preview", { body: { required_skills: [roofing] } })
        expect(noZip.body.matches.map((m: { company_id: string }) => m.company_id)).toEqual([anywhere])
        expect(noZip.body.excluded.map((e: { company_id: string; reason: string }) => [e.company_id, e.reason]).sort()).toEqual(
          [[local, "does not serve jobs without a ZIP code"], [beverly, "does not serve jobs without a ZIP code"]].sort()
        )

        expect((await call("PATCH", `/companies/${local}`, { body: { service_areas: [] } })).status).toBe(200)
        expect(await receivers("90210")).toEqual([local, beverly, anywhere].sort())
        expect((await call("POST", "/matching/preview", { body: roofJob("90210") })).body.excluded).toEqual([])
      })
    })

    describe("delivery SLA", () => {
      it("reports the percentiles and breaches of the delivery times the routings had, over the window asked", async () => {
        const [slaCreator, slaReceiver] = [await newCompany({ name: "SLA Creator" }), await newCompany({ name: "SLA Receiver" })]
        const started = Date.now()
        const route = (agoMs: number, fate: RoutingFate) =>
          api.runtime.runPromise(Effect.asVoid(
            routedJob(CompanyId.make(slaCreator), CompanyId.make(slaReceiver), new Date(started - agoMs), fate)
          ))
        const [minute, hour] = [60_000, 3_600_000]
        for (let k = 1; k <= 19; k++) await route(2 * hour + k * 1000, { deliveredAfterMs: k * 250 })
        await route(3 * hour, { deliveredAfterMs: 6 * minute })
        await route(30 * hour, { deliveredAfterMs: 1000 })
        await route(10 * minute, "retrying")
        await route(20 * minute, "canceled")
        await route(1 * minute, "pending")

        const day = await call("GET", "/admin/sla")
        expect(day.status, day.text).toBe(200)
        expect(day.body).toEqual({
          window: "24h",
          from: expect.any(String),
          to: expect.any(String),
          delivered: 20,
          p50_ms: 2500,
          p95_ms: 4750,
          p99_ms: 6 * minute,
          breaches: 2
        })
        expect(Date.parse(day.body.to) - Date.parse(day.body.from)).toBe(24 * hour)
        expect(Date.parse(day.body.to)).toBeGreaterThanOrEqual(started)
        expect((await call("GET", "/admin/sla?window=7d")).body).toMatchObject({
          window: "7d",
          delivered: 21,
          p50_ms: 2500,
          p95_ms: 4750,
          p99_ms: 6 * minute,
          breaches: 2
        })
        expect((await call("GET", "/admin/sla?window=15m")).body).toMatchObject({
          window: "15m",
          delivered: 0,
          p50_ms: null,
          p95_ms: null,
          p99_ms: null,
          breaches: 1
        })
        expect((await call("GET", "/admin/sla?window=90d")).status).toBe(200)
        for (const window of ["0m", "91d", "2w", "1.5h", "-1h", "24", ""]) {
          const answer = await call("GET", `/admin/sla?window=${window}`)
          expectError(answer, 400, "validation_error")
          expect(detailPaths(answer)).toEqual(["window"])
        }
        expectError(await call("GET", "/admin/sla", { key: creatorKey }), 403, "forbidden")
      })

      it("counts the jobs accepted and routings delivered in each of the last minutes", async () => {
        const [creatorId, receiverId] = [await newCompany({ name: "Rate Creator" }), await newCompany({ name: "Rate Receiver" })]
        const acceptedAt = Date.now() - 60_000
        const acceptedMinute = new Date(Math.floor(acceptedAt / 60_000) * 60_000).toISOString()
        const countsAt = async (minute: string) => {
          const answer = await call("GET", "/admin/throughput?minutes=5")
          expect(answer.status, answer.text).toBe(200)
          return answer.body.items.find((m: { minute: string }) => m.minute === minute) as { jobs: number; deliveries: number }
        }
        const before = await countsAt(acceptedMinute)
        for (const fate of [{ deliveredAfterMs: 10 }, "pending"] as const) {
          await api.runtime.runPromise(Effect.asVoid(
            routedJob(CompanyId.make(creatorId), CompanyId.make(receiverId), new Date(acceptedAt), fate)
          ))
        }
        const after = await countsAt(acceptedMinute)
        expect(after.jobs - before.jobs).toBe(2)
        expect(after.deliveries - before.deliveries).toBeGreaterThanOrEqual(0)

        const asked = Math.floor(Date.now() / 60_000) * 60_000
        const day = await call("GET", "/admin/throughput")
        const answered = Math.floor(Date.now() / 60_000) * 60_000
        expect(day.body.items).toHaveLength(30)
        const minutes = day.body.items.map((m: { minute: string }) => Date.parse(m.minute))
        expect(minutes.slice(1).map((m: number, i: number) => m - minutes[i])).toEqual(Array(29).fill(60_000))
        expect([asked, answered]).toContain(minutes[29])
        for (const bad of ["0", "1441", "x", "1.5"]) {
          const answer = await call("GET", `/admin/throughput?minutes=${bad}`)
          expectError(answer, 400, "validation_error")
          expect(detailPaths(answer)).toEqual(["minutes"])
        }
        expectError(await call("GET", "/admin/throughput", { key: creatorKey }), 403, "forbidden")
      })
    })

    describe("reports", () => {
      it("sums the leads delivered per receiving company and per UTC day, as JSON or CSV, to the admin, a viewer and the company itself", async () => {
        const reportCreator = CompanyId.make(await newCompany({ name: "Report Creator" }))
        const receiver = await newCompany({ name: "Lead \"Pro\", Inc" })
        const other = await newCompany({ name: "Report Other" })
        const lead = (receiving: string, acceptedAt: string, afterMs: number, outcome?: LeadOutcome) =>
          api.runtime.runPromise(deliveredLead(reportCreator, CompanyId.make(receiving), new Date(acceptedAt), afterMs, outcome))
        await lead(receiver, "2024-02-28T10:00:00Z", 3000, { revenue: 120.5 })
        await lead(receiver, "2024-02-28T11:00:00Z", 1000, "canceled_by_us")
        await lead(receiver, "2024-02-28T12:00:00Z", 2000)
        // Accepted on the 28th, delivered on the 29th: counted on the day of delivery.
        await lead(other, "2024-02-28T23:59:59.800Z", 700)
        await lead(receiver, "2024-03-01T08:00:00Z", 500, { revenue: 79.5 })
        await api.runtime.runPromise(Effect.asVoid(
          routedJob(reportCreator, CompanyId.make(receiver), new Date("2024-02-28T09:00:00Z"), "failed")
        ))
        const period = "from=2024-02-28&to=2024-03-02"
        const figures = { delivered: 0, completed: 0, canceled: 0, revenue: 0, conversion_rate: 0, delivery_p50_ms: null, delivery_p95_ms: null }

        const companies = await call("GET", `/reports/companies?${period}`)
        expect(companies.status, companies.text).toBe(200)
        expect(companies.headers.get("content-type")).toContain("application/json")
        const receiverRow = {
          company_id: receiver,
          company_name: "Lead \"Pro\", Inc",
          ...figures,
          delivered: 4,
          completed: 2,
          canceled: 1,
          revenue: 200,
          conversion_rate: 0.5,
          delivery_p50_ms: 1000,
          delivery_p95_ms: 3000
        }
        const otherRow = { company_id: other, company_name: "Report Other", ...figures, delivered: 1, delivery_p50_ms: 700, delivery_p95_ms: 700 }
        expect(companies.body).toEqual({ from: "2024-02-28T00:00:00.000Z", to: "2024-03-02T00:00:00.000Z", items: [receiverRow, otherRow] })

        const daily = await call("GET", `/reports/daily?${period}`)
        expect(daily.status, daily.text).toBe(200)
        const firstDay = { ...figures, delivered: 3, completed: 1, canceled: 1, revenue: 120.5, conversion_rate: 0.3333, delivery_p50_ms: 2000, delivery_p95_ms: 3000 }
        const lastDay = { ...figures, delivered: 1, completed: 1, revenue: 79.5, conversion_rate: 1, delivery_p50_ms: 500, delivery_p95_ms: 500 }
        expect(daily.body.items).toEqual([
          { day: "2024-02-28", ...firstDay },
          { day: "2024-02-29", ...figures, delivered: 1, delivery_p50_ms: 700, delivery_p95_ms: 700 },
          { day: "2024-03-01", ...lastDay }
        ])
        const receiverDaily = await call("GET", `/reports/daily?${period}&company_id=${receiver}`)
        expect(receiverDaily.body.items.map((d: { day: string; delivered: number }) => [d.day, d.delivered])).toEqual([
          ["2024-02-28", 3],
          ["2024-02-29", 0],
          ["2024-03-01", 1]
        ])
        // A date-time with its offset: from 2024-02-29T00:00:00.501Z, the delivery of 00:00:00.500 (UTC) left out.
        const offset = await call("GET", `/reports/companies?from=${encodeURIComponent("2024-02-29T01:00:00.501+01:00")}&to=2024-03-02`)
        expect(offset.body.items).toEqual([{ ...receiverRow, delivered: 1, completed: 1, canceled: 0, revenue: 79.5, conversion_rate: 1, delivery_p50_ms: 500, delivery_p95_ms: 500 }])

        const csv = await call("GET", `/reports/companies?${period}`, { headers: { accept: "text/csv" } })
        expect(csv.status, csv.text).toBe(200)
        expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8")
        expect(csv.headers.get("content-disposition")).toBe("attachment; filename=\"companies-2024-02-28-2024-03-02.csv\"")
        expect(csv.text).toBe(
          "company_id,company_name,delivered,completed,canceled,revenue,conversion_rate,delivery_p50_ms,delivery_p95_ms\r\n" +
            `${receiver},"Lead ""Pro"", Inc",4,2,1,200,0.5,1000,3000\r\n` +
            `${other},Report Other,1,0,0,0,0,700,700\r\n`
        )
        const dailyCsv = await call("GET", `/reports/daily?${period}&company_id=${receiver}`, { headers: { accept: "application/json;q=0.5, text/csv" } })
        expect(dailyCsv.headers.get("content-disposition")).toBe("attachment; filename=\"daily-2024-02-28-2024-03-02.csv\"")
        expect(dailyCsv.text).toBe(
          "day,delivered,completed,canceled,revenue,conversion_rate,delivery_p50_ms,delivery_p95_ms\r\n" +
            "2024-02-28,3,1,1,120.5,0.3333,2000,3000\r\n2024-02-29,0,0,0,0,0,,\r\n2024-03-01,1,1,0,79.5,1,500,500\r\n"
        )
        expect((await call("GET", `/reports/daily?${period}`, { headers: { accept: "text/csv;q=0" } })).body.items).toHaveLength(3)

        const viewer = (await call("POST", "/api-keys", { body: { role: "viewer", name: "reports" } })).body.key as string
        expect((await call("GET", `/reports/companies?${period}`, { key: viewer })).body.items).toEqual([receiverRow, otherRow])
        expect((await call("GET", `/reports/daily?${period}`, { key: viewer })).status).toBe(200)
        // A company key: its own company's figures only, whether it names itself or not; another company is 403.
        const receiverKey = await newKey(receiver)
        expect((await call("GET", `/reports/companies?${period}`, { key: receiverKey })).body.items).toEqual([receiverRow])
        expect((await call("GET", `/reports/daily?${period}`, { key: receiverKey })).body).toEqual(receiverDaily.body)
        expectError(await call("GET", `/reports/companies?${period}&company_id=${other}`, { key: receiverKey }), 403, "forbidden")
        expectError(await call("GET", `/reports/daily?${period}&company_id=${other}`, { key: receiverKey }), 403, "forbidden")
        expect((await call("GET", `/reports/companies?${period}`, { key: creatorKey })).body.items).toEqual([])
      })

      it("reports the 30 days up to the end of today by default, and refuses a bad or too long period with 400", async () => {
        const before = Date.now()
        const daily = await call("GET", "/reports/daily")
        expect(daily.status, daily.text).toBe(200)
        expect(daily.body.items).toHaveLength(30)
        expect(Date.parse(daily.body.to) - Date.parse(daily.body.from)).toBe(30 * 86_400_000)
        const today = (ms: number) => new Date(ms).toISOString().slice(0, 10)
        expect([today(before), today(Date.now())]).toContain(daily.body.items[29].day)
        expect((await call("GET", "/reports/companies?from=2024-01-01&to=2025-01-01")).status).toBe(200)
        const bad: Array<[string, Array<string>]> = [
          ["from=2024-03-02&to=2024-02-28", ["from"]],
          ["from=2024-03-02&to=2024-03-02", ["from"]],
          ["from=2024-01-01&to=2025-01-02", ["to"]],
          ["from=2023-02-29", ["from"]],
          ["from=yesterday", ["from"]],
          ["to=2024-03-01T00:00:00", ["to"]],
          ["to=10000-01-01", ["to"]],
          ["company_id=not-a-uuid", ["company_id"]]
        ]
        for (const [query, paths] of bad) {
          for (const report of ["companies", "daily"]) {
            const answer = await call("GET", `/reports/${report}?${query}`)
            expectError(answer, 400, "validation_error")
            expect(detailPaths(answer), query).toEqual(paths)
          }
        }
      })
    })

    describe("alerts", () => {
      it("lists open alerts newest first with the count of all open, to admin and viewer keys; subscribes hooks to them", async () => {
        const [east, west] = [await newCompany({ name: "East Alerts" }), await newCompany({ name: "West Alerts" })]
        const raise = (companyId: string, kind: "circuit.opened" | "provider.credentials_invalid", message: string) =>
          api.runtime.runPromise(raiseAlert({
            kind,
            companyId: CompanyId.make(companyId),
            routingId: null,
            jobId: null,
            message,
            payload: { company_id: companyId, message }
          }))
        const before = (await call("GET", "/alerts")).body.total as number
        expect(await raise(east, "circuit.opened", "East Alerts' mock provider circuit opened")).toBe(true)
        await new Promise((resolve) => setTimeout(resolve, 5))
        expect(await raise(west, "provider.credentials_invalid", "West Alerts' credentials were refused")).toBe(true)
        expect(await raise(west, "provider.credentials_invalid", "again")).toBe(false)

        const listed = await call("GET", "/alerts")
        expect(listed.status, listed.text).toBe(200)
        expect(listed.body.total).toBe(before + 2)
        const mine = listed.body.items.filter((a: { company_id: string }) => a.company_id === east || a.company_id === west)
        expect(mine).toEqual([
          { id: expect.any(String), type: "provider.credentials_invalid", company_id: west, routing_id: null, job_id: null, message: "again", opened_at: expect.any(String) },
          { id: expect.any(String), type: "circuit.opened", company_id: east, routing_id: null, job_id: null, message: "East Alerts' mock provider circuit opened", opened_at: expect.any(String) }
        ])
        const one = await call("GET", "/alerts?limit=1")
        expect(one.body.items).toHaveLength(1)
        expect(one.body.total).toBe(before + 2)
        for (const bad of ["0", "101", "x"]) {
          const answer = await call("GET", `/alerts?limit=${bad}`)
          expectError(answer, 400, "validation_error")
          expect(detailPaths(answer)).toEqual(["limit"])
        }
        const viewer = (await call("POST", "/api-keys", { body: { role: "viewer", name: "alerts" } })).body.key as string
        expect((await call("GET", "/alerts", { key: viewer })).body.total).toBe(before + 2)
        expectError(await call("GET", "/alerts", { key: creatorKey }), 403, "forbidden")
        expectError(await call("GET", "/alerts", { key: null }), 401, "unauthorized")

        await api.runtime.runPromise(resolveAlert({ kind: "circuit.opened", companyId: CompanyId.make(east), routingId: null }))
        expect((await call("GET", "/alerts")).body.total).toBe(before + 1)

        const alertTypes = ["circuit.opened", "circuit.closed", "provider.credentials_invalid", "dead_letter.added", "sla.breached"]
        const hook = await call("POST", "/webhooks", { body: { url: "https://receiver.example/alerts", events: alertTypes, company_id: west } })
        expect(hook.status, hook.text).toBe(201)
        expect(hook.body).toMatchObject({ events: alertTypes, company_id: west })
        expect((await call("DELETE", `/webhooks/${hook.body.id}`)).status).toBe(200)
      })
    })

    describe("webhooks", () => {
      it("creates a hook with its secret shown once, lists it without the secret, and deletes it", async () => {
        const body = { url: "https://receiver.example/hooks", events: ["routing.synced", "job.completed"], company_id: abc }
        const created = await call("POST", "/webhooks", { body })
        expect(created.status, created.text).toBe(201)
        expect(created.body).toEqual({
          id: expect.any(String),
          url: body.url,
          events: body.events,
          company_id: abc,
          active: true,
          consecutive_failures: 0,
          disabled_at: null,
          created_at: expect.any(String),
          secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/)
        })
        const listed = (await call("GET", "/webhooks?limit=200")).body.items
        const { secret: _secret, ...view } = created.body
        expect(listed).toContainEqual(view)
        expect(JSON.stringify(listed)).not.toContain(created.body.secret)
        const second = await call("POST", "/webhooks", { body })
        const everyId = (await call("GET", "/webhooks?limit=200")).body.items.map((h: { id: string }) => h.id)
        expect(everyId).toContain(second.body.id)
        const paged: Array<string> = []
        for (let cursor: string | null = ""; cursor !== null;) {
          const page = await call("GET", `/webhooks?limit=1${cursor === "" ? "" : `&cursor=${cursor}`}`)
          expect(page.status, page.text).toBe(200)
          expect(page.body.items).toHaveLength(1)
          paged.push(page.body.items[0].id)
          cursor = page.body.next_cursor
        }
        expect(paged).toEqual(everyId)
        expectError(await call("GET", "/webhooks?cursor=bogus"), 400, "validation_error")
        expectError(await call("GET", "/webhooks?limit=0"), 400, "validation_error")
        expectError(await call("GET", "/webhooks?limit=201"), 400, "validation_error")
        await call("DELETE", `/webhooks/${second.body.id}`)
        const deliveries = await call("GET", `/webhooks/${created.body.id}/deliveries?limit=10`)
        expect(deliveries.status, deliveries.text).toBe(200)
        expect(deliveries.body).toEqual({ items: [] })
        const enabled = await call("POST", `/webhooks/${created.body.id}/enable`)
        expect(enabled.status, enabled.text).toBe(200)
        expect(enabled.body).toEqual({ ...view, events_resent: 0 })
        expectError(await call("POST", `/webhooks/${created.body.id}/enable`, { key: abcKey }), 403, "forbidden")
        expect((await call("DELETE", `/webhooks/${created.body.id}`)).body).toEqual({ id: created.body.id, deleted: true })
        expectError(await call("DELETE", `/webhooks/${created.body.id}`), 404, "not_found")
        expectError(await call("POST", `/webhooks/${created.body.id}/enable`), 404, "not_found")
        expectError(await call("GET", `/webhooks/${created.body.id}/deliveries`), 404, "not_found")
      })

      it("names each bad field (400), refuses an unknown company (422), and is for the admin only (403)", async () => {
        const bad = await call("POST", "/webhooks", { body: { url: "ftp://example.com/x", events: [] } })
        expectError(bad, 400, "validation_error")
        expect(detailPaths(bad).sort()).toEqual(["events", "url"])
        const badType = await call("POST", "/webhooks", { body: { url: "/relative", events: ["routing.created"], extra: 1 } })
        expectError(badType, 400, "validation_error")
        expect(detailPaths(badType)).toEqual(expect.arrayContaining(["url", "events.0"]))
        const unknown = await call("POST", "/webhooks", {
          body: { url: "http://127.0.0.1:9/x", events: ["routing.failed"], company_id: crypto.randomUUID() }
        })
        expectError(unknown, 422, "validation_error")
        expect(detailPaths(unknown)).toEqual(["company_id"])
        expectError(await call("GET", "/webhooks/not-a-uuid/deliveries"), 400, "validation_error")
        expectError(await call("GET", `/webhooks/${crypto.randomUUID()}/deliveries?limit=0`), 400, "validation_error")
        expectError(await call("DELETE", `/webhooks/${crypto.randomUUID()}`), 404, "not_found")
        const body = { url: "https://receiver.example/hooks", events: ["routing.synced"] }
        expectError(await call("POST", "/webhooks", { body, key: creatorKey }), 403, "forbidden")
        expectError(await call("GET", "/webhooks", { key: creatorKey }), 403, "forbidden")
        expectError(await call("GET", "/webhooks", { key: null }), 401, "unauthorized")
        expectError(await call("GET", `/webhooks/${crypto.randomUUID()}/deliveries`, { key: abcKey }), 403, "forbidden")
      })
    })
  })
