import { describe, expect, it } from "@effect/vitest"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness, statusCounts, withSql } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"
import { parsePrometheus, total } from "../support/prometheus.ts"

interface BulkResult {
  readonly index: number
  readonly status: number
  readonly job?: { readonly id: string; readonly routings: ReadonlyArray<unknown> }
}

describe("bulk intake end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()

  it("delivers every routing of 100 jobs posted in one bulk once each, each job in a trace of its own", async () => {
    const { env, databaseUrl } = await setup(NATS_TEST_URL)
    const { api, url } = await serve(env)
    const skill = `plumbing-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(api, skill, 2)
    await deliveryRunning(api)
    const intakeBatches = async () => {
      const samples = parsePrometheus(await (await fetch(`${url}/metrics`)).text())
      const stage = { stage: "Jobs.write" }
      return {
        batches: total(samples, "si_group_commit_batch_size_count", stage),
        jobs: total(samples, "si_group_commit_batch_size_sum", stage),
        created: total(samples, "si_jobs_created_total")
      }
    }
    const before = await intakeBatches()
    const jobs = Array.from({ length: 100 }, (_, n) => ({ ...jobFor(creator, skill, n), idempotency_key: `bulk-e2e-${n}` }))

    const { results } = await api.post("/jobs/bulk", { jobs }) as { results: Array<BulkResult> }
    expect(results.map((r) => [r.index, r.status])).toEqual(jobs.map((_, n) => [n, 201]))
    expect(results.every((r) => r.job?.routings.length === 2)).toBe(true)
    // One group commit took the whole bulk, and each job is counted.
    const after = await intakeBatches()
    expect(after.batches - before.batches).toBe(1)
    expect(after.jobs - before.jobs).toBe(100)
    expect(after.created - before.created).toBe(100)

    // The same bulk again answers the same jobs and creates none.
    const again = await api.post("/jobs/bulk", { jobs }) as { results: Array<BulkResult> }
    expect(again.results.map((r) => r.job?.id)).toEqual(results.map((r) => r.job?.id))
    expect((await intakeBatches()).created).toBe(after.created)

    await eventually(async () => (await statusCounts(databaseUrl))["synced"] === 200, 20_000,
      async () => JSON.stringify(await statusCounts(databaseUrl)))
    const leads = await api.get("/admin/providers/mock/leads?limit=1")
    expect(leads.total).toBe(200)
    expect(leads.duplicates).toBe(0)

    // Each job's routing.created events carry its own trace, which its deliveries continue.
    const traces = await withSql(databaseUrl, (sql) =>
      sql<Array<{ job_id: string; traces: number; trace_id: string }>>`
        select payload->>'job_id' as job_id, count(distinct split_part(traceparent, '-', 2))::int as traces,
               min(split_part(traceparent, '-', 2)) as trace_id
        from outbox_events where type = 'routing.created' group by 1`)
    expect(traces).toHaveLength(100)
    expect(traces.every((t) => t.traces === 1 && /^[0-9a-f]{32}$/.test(t.trace_id))).toBe(true)
    expect(new Set(traces.map((t) => t.trace_id)).size).toBe(100)
  }, 60_000)
})
