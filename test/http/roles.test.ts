import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { requireApiKey } from "../../src/http/auth.ts"
import { makeKeyGuard } from "../../src/http/keyGuard.ts"
import { handleError } from "../../src/http/errors.ts"
import { makeRouter, makeRunners } from "../../src/http/router.ts"
import { uniqueSkill } from "../support/fixtures.ts"
import { type Answer, makeTestApi } from "../support/http.ts"
import { layerMemoryServices } from "../support/services.ts"

/** Routes anyone may call, with or without a key. */
const PUBLIC = new Set(["GET /health", "GET /health/live", "GET /health/ready", "GET /metrics", "GET /openapi.json", "GET /docs"])

/** Routes a company key may call; every other route is the admin's. */
const COMPANY = new Set([
  "POST /jobs",
  "POST /jobs/bulk",
  "GET /jobs",
  "GET /jobs/{id}",
  "POST /jobs/{id}/cancel",
  "POST /matching/preview",
  "GET /routings/{id}",
  "POST /routings/{id}/cancel",
  "GET /companies/{id}",
  "POST /companies/{id}/technicians",
  "GET /auth/me",
  "GET /reports/companies",
  "GET /reports/daily"
])

/** The one route not a GET that a viewer may call: it writes nothing. */
const VIEWER_POSTS = new Set(["POST /matching/preview"])

describe("who may call what", () => {
  const api = makeTestApi(layerMemoryServices)
  const { call } = api
  afterAll(() => api.dispose())

  const skill = uniqueSkill("roles")
  const owner = { id: "", key: "", name: `Owner ${crypto.randomUUID()}` }
  const other = { id: "", key: "" }
  let viewerKey = ""
  let jobId = ""
  let routingId = ""

  const created = async (answer: Promise<Answer>) => {
    const done = await answer
    expect(done.status, done.text).toBe(201)
    return done.body
  }
  const jobBody = () => ({
    summary: "Leaking faucet",
    address: { street: "1 Main St", city: "Anytown", state: "CA", zip_code: "12345" },
    homeowner: { name: "Jo Doe", phone: "(555) 000-0000" },
    created_by_company_id: owner.id,
    required_skills: [skill]
  })

  beforeAll(async () => {
    owner.id = (await created(call("POST", "/companies", { body: { name: owner.name, provider: { type: "mock" } } }))).id
    other.id = (await created(call("POST", "/companies", { body: { name: "Other", provider: { type: "mock" } } }))).id
    await created(call("POST", "/companies", { body: { name: "Receiver", skills: [{ skill, level: "expert" }], provider: { type: "mock" } } }))
    for (const company of [owner, other]) {
      company.key = (await created(call("POST", "/api-keys", { body: { role: "company", company_id: company.id, name: "roles" } }))).key
    }
    viewerKey = (await created(call("POST", "/api-keys", { body: { role: "viewer", name: "roles" } }))).key
    const job = await created(call("POST", "/jobs", { body: jobBody() }))
    jobId = job.id
    routingId = job.routings[0].id
  })

  /** The owner's ids in each path, and a body each route can take. */
  const requestFor = (method: string, template: string) => {
    const path = template
      .replace(/^\/jobs\/\{id\}/, `/jobs/${jobId}`)
      .replace(/^\/routings\/\{id\}/, `/routings/${routingId}`)
      .replace(/^\/(admin\/)?companies\/\{id\}/, (_, admin: string | undefined) => `/${admin ?? ""}companies/${owner.id}`)
      .replace(/^\/admin\/dlq\/\{id\}/, "/admin/dlq/12345")
      .replace(/\{id\}/g, crypto.randomUUID())
    const bodies: Record<string, unknown> = {
      "POST /jobs": jobBody(),
      "POST /jobs/bulk": { jobs: [jobBody()] },
      "POST /matching/preview": { required_skills: [skill] },
      "POST /companies/{id}/technicians": { name: "Alex" }
    }
    const body = bodies[`${method} ${template}`] ?? (["POST", "PUT", "PATCH"].includes(method) ? {} : undefined)
    return { path, options: body === undefined ? {} : { body } }
  }

  it("walks every route of the OpenAPI document with no key, another company's key, the owner's key, a viewer's and the admin's", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).body
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([template, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), template })))
    expect(routes.length).toBeGreaterThan(30)
    const named = (r: { method: string; template: string }) => `${r.method} ${r.template}`
    for (const callers of [{ key: null }, { key: other.key }, { key: owner.key }, { key: viewerKey }, {}] as const) {
      for (const route of routes) {
        const { path, options } = requestFor(route.method, route.template)
        const answer = await call(route.method, path, { ...options, ...callers })
        const what = `${named(route)} as ${callers.key === undefined ? "admin" : callers.key === null ? "nobody" : callers.key === owner.key ? "owner" : callers.key === viewerKey ? "viewer" : "other"}: ${answer.status} ${answer.text.slice(0, 200)}`
        expect(answer.status, what).toBeLessThan(500)
        if (PUBLIC.has(named(route))) continue
        if (callers.key === null) expect(answer.status, what).toBe(401)
        else if (callers.key === undefined) expect([401, 403], what).not.toContain(answer.status)
        else if (callers.key === viewerKey) {
          // A viewer: every GET the admin may make, no writes.
          if (route.method === "GET" || VIEWER_POSTS.has(named(route))) expect([401, 403], what).not.toContain(answer.status)
          else {
            expect(answer.status, what).toBe(403)
            expect(answer.body.error?.code, what).toBe("forbidden")
          }
        }
        else if (!COMPANY.has(named(route))) expect(answer.status, what).toBe(403)
        else if (callers.key === owner.key) expect([401, 403], what).not.toContain(answer.status)
        else {
          // Another company's key on the owner's ids: refused, or the data left out; never the owner's job or name.
          if (route.template.includes("{id}")) expect([403, 404], what).toContain(answer.status)
          for (const secret of [jobId, routingId, owner.name].filter((s) => !path.includes(s))) {
            expect(answer.text, what).not.toContain(secret)
          }
        }
      }
    }
  })

  it("refuses a company key on a route not meant for it even when the route's program checks nothing", async () => {
    const { runPublic } = makeRunners(await api.runtime.runtime())
    const app = makeRouter()
    app.onError(handleError(() => {}))
    app.use("*", requireApiKey(runPublic, makeKeyGuard()))
    app.get("/admin/unchecked", (c) => c.json({ reached: true }))
    app.get("/jobs", (c) => c.json({ reached: true }))
    const asOwner = { headers: { authorization: `Bearer ${owner.key}` } }
    expect((await app.request("/admin/unchecked", asOwner)).status).toBe(403)
    expect(await (await app.request("/jobs", asOwner)).json()).toEqual({ reached: true })
  })

  it("refuses a viewer key on any write even where no route lists it, and lets it read", async () => {
    const { runPublic } = makeRunners(await api.runtime.runtime())
    const app = makeRouter()
    app.onError(handleError(() => {}))
    app.use("*", requireApiKey(runPublic, makeKeyGuard()))
    app.get("/admin/new-report", (c) => c.json({ reached: true }))
    app.post("/admin/new-action", (c) => c.json({ reached: true }))
    app.delete("/admin/new-action", (c) => c.json({ reached: true }))
    const asViewer = (method: string) => ({ method, headers: { authorization: `Bearer ${viewerKey}` } })
    expect(await (await app.request("/admin/new-report", asViewer("GET"))).json()).toEqual({ reached: true })
    for (const method of ["POST", "DELETE"]) {
      const refused = await app.request("/admin/new-action", asViewer(method))
      expect(refused.status).toBe(403)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("forbidden")
    }
  })

  it("answers who the key stands for", async () => {
    expect((await call("GET", "/auth/me", { key: viewerKey })).body).toEqual({ role: "viewer", company_id: null, key_id: expect.any(String) })
    expect((await call("GET", "/auth/me", { key: owner.key })).body).toMatchObject({ role: "company", company_id: owner.id })
    expect((await call("GET", "/auth/me")).body).toMatchObject({ role: "admin", company_id: null })
  })
})
