/**
 * The benchmarks' companies and jobs: groups of receiving companies on the mock provider (latency 0), one skill per
 * group, so that every job matches exactly one group (MATCH_MAX_ROUTINGS = the group's size) and the load spreads over
 * all companies; jobs are created by a company with no skills and no provider, through one of its technicians. Every
 * request carries the fields the pg-boss peer (../shared/peers/pgboss) requires too, so the same workload drives both.
 */
import type { ApiClient } from "../../test/support/client.ts"
import { ADMIN_KEY, type Routing } from "./backends.ts"

/** The most the API allows; the limiter is a token bucket that starts full, so it never throttles a benchmark. */
export const RATE_LIMIT_PER_MINUTE = 100_000

export interface Workload {
  readonly runId: string
  readonly groups: number
  readonly routingsPerJob: number
  /** Each company's delivery_concurrency (1..64); the service's default (1) when absent. */
  readonly deliveryConcurrency?: number | undefined
  /** Jobs carry a mix of priorities (see `priorityOf`) instead of none (normal). */
  readonly priorityMix?: boolean | undefined
}

export const SHAPES = ["marketplace", "concentrated"] as const
export type Shape = (typeof SHAPES)[number]

/** The fewest receiving companies of the marketplace shape. */
export const MARKETPLACE_MIN_COMPANIES = 300

/**
 * The load benchmark's shapes, rate limits raised and every other company setting at its default:
 * - marketplace: `companies` receiving companies in groups of three sharing a skill, each job matching one group;
 * - concentrated: the seed example's shape, two receiving companies taking every job, delivery_concurrency 1.
 */
export const shapeWorkload = (shape: Shape, runId: string, companies = MARKETPLACE_MIN_COMPANIES): Workload =>
  shape === "marketplace"
    ? { runId, groups: Math.floor(companies / 3), routingsPerJob: 3 }
    : { runId, groups: 1, routingsPerJob: 2, deliveryConcurrency: 1 }

/** The company that creates the jobs, and its technician (the peer requires one on every job). */
export interface Creator {
  readonly companyId: string
  readonly technicianId: string
}

const skillOf = (workload: Workload, group: number) => `bench-${workload.runId}-${group}`

/** The receiving companies, in groups, and the creator; answers the receivers' ids. */
export const createCompanies = async (api: ApiClient, workload: Workload) => {
  const receivers: Array<string> = []
  for (let group = 0; group < workload.groups; group++) {
    for (let i = 0; i < workload.routingsPerJob; i++) {
      const company = await api.post("/companies", {
        name: `Bench trade ${group}.${i}`,
        skills: [{ skill: skillOf(workload, group), level: "expert", primary: true }],
        provider: { type: "mock", config: { latency_ms: 0 } },
        rate_limit_per_minute: RATE_LIMIT_PER_MINUTE,
        ...(workload.deliveryConcurrency === undefined ? {} : { delivery_concurrency: workload.deliveryConcurrency })
      })
      receivers.push(company.id)
    }
  }
  const company = await api.post("/companies", { name: "Bench creator" })
  const technician = await api.post(`/companies/${company.id}/technicians`, { name: "Bench technician" })
  const creator: Creator = { companyId: company.id, technicianId: technician.id }
  return { receivers, creator }
}

/** Of every 20 jobs: 1 urgent, 3 high, 12 normal, 4 low, spread so that each company sees them all. */
const PRIORITY_MIX = ["urgent", "high", "normal", "normal", "low", "normal", "high", "normal", "normal", "low",
  "normal", "high", "normal", "normal", "low", "normal", "normal", "normal", "low", "normal"] as const

/** Job `n`'s priority: with groups to match in turn, `n / groups` is the group's own count. */
const priorityOf = (workload: Workload, n: number) => PRIORITY_MIX[Math.floor(n / workload.groups) % PRIORITY_MIX.length]

const jobBody = (workload: Workload, creator: Creator, n: number) => {
  const skill = skillOf(workload, n % workload.groups)
  return JSON.stringify({
    summary: `Bench job ${n}`,
    address: { street: `${n} Main St`, city: "Anytown", state: "CA", zip_code: "12345" },
    homeowner: { name: "Bench Owner", phone: "(555) 000-0000", email: "owner@example.com" },
    created_by_company_id: creator.companyId,
    created_by_technician_id: creator.technicianId,
    required_skills: [skill],
    category: skill,
    ...(workload.priorityMix ? { priority: priorityOf(workload, n) } : {})
  })
}

/** Posts job `n`; answers its routings stamped with the time the 201 arrived, and how long the request took. */
export const postJob = async (baseUrl: string, workload: Workload, creator: Creator, n: number, apiKey = ADMIN_KEY) => {
  const started = performance.now()
  const response = await fetch(`${baseUrl}/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: jobBody(workload, creator, n)
  })
  const acceptedAt = Date.now()
  const requestMs = performance.now() - started
  const body = await response.json() as { id?: string; routings?: Array<{ id: string; company_id_received: string }> }
  if (response.status !== 201) throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(body)}`)
  const routings = (body.routings ?? [])
    .map((r): Routing => ({ id: r.id, jobId: body.id!, companyId: r.company_id_received, acceptedAt }))
  if (routings.length !== workload.routingsPerJob) {
    throw new Error(`job ${n} got ${routings.length} routings, expected ${workload.routingsPerJob}: ${JSON.stringify(body)}`)
  }
  return { routings, requestMs }
}
