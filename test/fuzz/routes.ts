/** What the fuzzed routes need to exist: a company (with a technician and a company key) and a skill it has. */
export interface Fixtures {
  readonly companyId: string
  readonly technicianId: string
  readonly companyKey: string
  /** A viewer key: every GET the admin may make, no writes. */
  readonly viewerKey: string
  readonly skill: string
}

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE"

export interface RouteTemplate {
  readonly method: Method
  /** `{id}` stands for the path id. */
  readonly path: string
  /** A body the route accepts, for the routes that take one. */
  readonly body?: unknown
  /** Dead letters have numeric ids, everything else UUIDs. */
  readonly idKind?: "uuid" | "sequence"
}

/** A job the fixture company creates, needing its skill. */
export const jobBody = (f: Fixtures) => ({
  summary: "Kitchen faucet replacement",
  address: { street: "123 Main St", unit: "4B", city: "Anytown", state: "CA", zip_code: "12345" },
  homeowner: { name: "John Doe", phone: "(555) 123-4567", email: "john@example.com" },
  created_by_company_id: f.companyId,
  created_by_technician_id: f.technicianId,
  required_skills: [f.skill],
  skill_levels: { [f.skill]: "expert" },
  category: f.skill,
  priority: "high"
})

/** The write routes with a body each accepts (for the fixture company wherever a path names a company). */
export const writeRoutes = (f: Fixtures): ReadonlyArray<RouteTemplate> => [
  {
    method: "POST",
    path: "/companies",
    body: {
      name: "Fuzz Co",
      status: "active",
      skills: [{ skill: f.skill, level: "expert", primary: true }],
      provider: { type: "mock", config: { latency_ms: 0 } },
      rate_limit_per_minute: 50,
      delivery_concurrency: 1
    }
  },
  {
    method: "PATCH",
    path: "/companies/{id}",
    body: {
      name: "Fuzz Co",
      status: "active",
      rate_limit_per_minute: 60,
      delivery_concurrency: 2,
      poll_interval_seconds: 60,
      poll_schedule: "*/30 8-18 * * 1-5",
      time_zone: "America/Chicago",
      service_areas: ["62701", "627"]
    }
  },
  { method: "PUT", path: "/companies/{id}/skills", body: { skills: [{ skill: f.skill, level: "basic", primary: false }] } },
  { method: "PUT", path: "/companies/{id}/provider", body: { type: "mock", config: { latency_ms: 0 }, active: true } },
  {
    method: "PUT",
    path: "/companies/{id}/provider",
    body: {
      type: "servicetitan",
      config: { tenant_id: "123", campaign_id: 9, business_unit_id: 5, job_type_id: 7, api_base_url: "https://st.example.com" },
      credentials: { client_id: "id", client_secret: "secret", app_key: "key" },
      active: true
    }
  },
  {
    method: "PUT",
    path: "/companies/{id}/provider",
    body: {
      type: "jobber",
      config: { graphql_version: "2025-01-20" },
      credentials: { client_id: "id", client_secret: "secret", refresh_token: "token" }
    }
  },
  { method: "POST", path: "/companies/{id}/technicians", body: { name: "Alex Rivera" } },
  { method: "POST", path: "/jobs", body: jobBody(f) },
  { method: "POST", path: "/matching/preview", body: { required_skills: [f.skill], skill_levels: { [f.skill]: "basic" }, category: f.skill } },
  { method: "POST", path: "/matching/preview", body: { category: f.skill } },
  { method: "POST", path: "/api-keys", body: { role: "company", company_id: f.companyId, name: "fuzz" } },
  { method: "POST", path: "/webhooks", body: { url: "https://example.com/hooks", events: ["routing.synced"], company_id: f.companyId } },
  { method: "POST", path: "/admin/routings/retry", body: { company_id: f.companyId, status: "failed" } },
  { method: "POST", path: "/admin/dlq/replay", body: { company_id: f.companyId, reason_contains: "timed out", before: "2026-01-01T00:00:00Z" } }
]

/** Every route with a path id; those that take a body get one they accept, so only the id is wrong. */
export const idRoutes = (f: Fixtures): ReadonlyArray<RouteTemplate> => [
  ...writeRoutes(f).filter((route) => route.path.includes("{id}")),
  { method: "GET", path: "/companies/{id}" },
  { method: "DELETE", path: "/companies/{id}/provider" },
  { method: "POST", path: "/companies/{id}/provider/test" },
  { method: "POST", path: "/companies/{id}/poll" },
  { method: "GET", path: "/jobs/{id}" },
  { method: "POST", path: "/jobs/{id}/cancel" },
  { method: "GET", path: "/routings/{id}" },
  { method: "POST", path: "/routings/{id}/cancel" },
  { method: "POST", path: "/routings/{id}/retry" },
  { method: "DELETE", path: "/api-keys/{id}" },
  { method: "DELETE", path: "/webhooks/{id}" },
  { method: "GET", path: "/webhooks/{id}/deliveries" },
  { method: "POST", path: "/admin/companies/{id}/pause" },
  { method: "POST", path: "/admin/companies/{id}/resume" },
  { method: "POST", path: "/admin/dlq/{id}/replay", idKind: "sequence" },
  { method: "DELETE", path: "/admin/dlq/{id}", idKind: "sequence" }
]

/** The routes with query parameters, and the parameters each reads. */
export const queryRoutes: ReadonlyArray<{ readonly path: string; readonly params: ReadonlyArray<string> }> = [
  { path: "/jobs", params: ["status", "company_id", "created_after", "limit", "cursor"] },
  { path: "/companies", params: ["status", "skill", "limit", "cursor"] },
  { path: "/admin/sla", params: ["window"] },
  { path: "/alerts", params: ["limit"] },
  { path: "/admin/throughput", params: ["minutes"] },
  { path: "/reports/companies", params: ["from", "to", "company_id"] },
  { path: "/reports/daily", params: ["from", "to", "company_id"] },
  { path: "/admin/dlq", params: ["limit"] },
  { path: "/admin/providers/mock/leads", params: ["company_id", "limit"] }
]

export const withId = (route: RouteTemplate, id: string): string => route.path.replace("{id}", id)
