/**
 * The benchmarks' companies and jobs: groups of receiving companies on the mock provider (latency 0), one skill per
 * group, so that every job matches exactly one group (MATCH_MAX_ROUTINGS = the group's size) and the load spreads over
 * all companies; jobs are created by a company with no skills and no provider.
 */
import type { ApiClient } from "../../test/support/client.ts"
import { ADMIN_KEY, type Routing } from "./backends.ts"

/** The most the API allows; the limiter is a token bucket that starts full, so it never throttles a benchmark. */
export const RATE_LIMIT_PER_MINUTE = 100_000

export interface Workload {
  readonly runId: string
  readonly groups: number
  readonly routingsPerJob: number
  /** Each company's delivery_concurrency (1..64; the default 1 would serialize a company's deliveries). */
  readonly deliveryConcurrency: number
}

const skillOf = (workload: Workload, group: number) => `bench-${workload.runId}-${group}`

/** The receiving companies, in groups, and the creating company; answers their ids. */
export const createCompanies = async (api: ApiClient, workload: Workload) => {
  const receivers: Array<string> = []
  for (let group = 0; group < workload.groups; group++) {
    for (let i = 0; i < workload.routingsPerJob; i++) {
      const company = await api.post("/companies", {
        name: `Bench trade ${group}.${i}`,
        skills: [{ skill: skillOf(workload, group), level: "expert", primary: true }],
        provider: { type: "mock", config: { latency_ms: 0 } },
        rate_limit_per_minute: RATE_LIMIT_PER_MINUTE,
        delivery_concurrency: workload.deliveryConcurrency
      })
      receivers.push(company.id)
    }
  }
  const creator = await api.post("/companies", { name: "Bench creator" })
  return { receivers, creator: creator.id as string }
}

/** Waits until the service runs a delivery actor for each of the companies. */
const jobBody = (workload: Workload, creator: string, n: number) =>
  JSON.stringify({
    summary: `Bench job ${n}`,
    address: { street: `${n} Main St`, city: "Anytown", state: "CA", zip_code: "12345" },
    homeowner: { name: "Bench Owner", phone: "(555) 000-0000" },
    created_by_company_id: creator,
    required_skills: [skillOf(workload, n % workload.groups)]
  })

/** Posts job `n`; answers its routings stamped with the time the 201 arrived, and how long the request took. */
export const postJob = async (baseUrl: string, workload: Workload, creator: string, n: number) => {
  const started = performance.now()
  const response = await fetch(`${baseUrl}/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: jobBody(workload, creator, n)
  })
  const acceptedAt = Date.now()
  const requestMs = performance.now() - started
  const body = await response.json() as { routings?: Array<{ id: string; company_id_received: string }> }
  if (response.status !== 201) throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(body)}`)
  const routings = (body.routings ?? []).map((r): Routing => ({ id: r.id, companyId: r.company_id_received, acceptedAt }))
  if (routings.length !== workload.routingsPerJob) {
    throw new Error(`job ${n} got ${routings.length} routings, expected ${workload.routingsPerJob}: ${JSON.stringify(body)}`)
  }
  return { routings, requestMs }
}
