import { describe, expect, it } from "@effect/vitest"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A `RECONCILE_ALL_AT` twelve hours from now, so that the daily reconciliation stays out of the test. */
const farFromNow = () => {
  const hour = (new Date().getUTCHours() + 12) % 24
  return `${String(hour).padStart(2, "0")}:00`
}

/** The daily reconciliation and per-company cron times are proven under TestClock in test/programs/polling.test.ts. */
describe("status polls asked for now, end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()

  it("POST /companies/{id}/poll asks about every open lead now and follows them to completed", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve({ ...env, RECONCILE_ALL_AT: farFromNow() })
    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    // The mock moves each lead a status every 2 s after it received it: scheduled, in progress, completed.
    const { receivers: [receiver], creator } = await tradesFor(api, skill, 1, { status_step_seconds: 2 })
    // A schedule that does not fire during the test (1 January, midnight in Chicago): only the polls asked for move the leads.
    const scheduled = await api.raw("PATCH", `/companies/${receiver}`, { poll_schedule: "0 0 1 1 *", time_zone: "America/Chicago" })
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200)
    await deliveryRunning(api)

    const jobs = [] as Array<string>
    for (let n = 0; n < 3; n++) jobs.push((await api.post("/jobs", jobFor(creator, skill, n))).id)
    const routingsOf = async () =>
      (await Promise.all(jobs.map((id) => api.get(`/jobs/${id}`)))).map((job) => ({ job: job.status, ...job.routings[0] }))
    await eventually(async () => (await routingsOf()).every((r) => r.sync_status === "synced"), 5_000,
      async () => JSON.stringify(await routingsOf()))
    expect((await routingsOf()).every((r) => r.external_status === null)).toBe(true)

    // Polled now, again and again until the leads are completed: each answer counts the leads open before it and those
    // it moved (nothing else polls them meanwhile), whatever the timing on a busy machine.
    const seen = (r: { external_status: string | null; revenue: number | null; completed_at: string | null }) =>
      JSON.stringify([r.external_status, r.revenue, r.completed_at])
    const statusesSeen = new Set<string>()
    let before = await routingsOf()
    while (before.some((r) => r.external_status !== "completed")) {
      await sleep(700)
      const answer = await api.raw("POST", `/companies/${receiver}/poll`)
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      const after = await routingsOf()
      expect(answer.body).toEqual({
        polled: before.filter((r) => r.external_status !== "completed").length,
        changed: after.filter((r, i) => seen(r) !== seen(before[i]!)).length
      })
      for (const r of after) statusesSeen.add(`${r.job}/${r.external_status}`)
      before = after
    }
    expect(statusesSeen).toContain("completed/completed")
    expect([...statusesSeen].some((s) => s.endsWith("/scheduled") || s.endsWith("/in_progress"))).toBe(true)
    expect(before.every((r) => r.job === "completed" && r.revenue > 0 && r.completed_at !== null)).toBe(true)
    // Completed leads are no longer open.
    expect((await api.raw("POST", `/companies/${receiver}/poll`)).body).toEqual({ polled: 0, changed: 0 })

    expect((await api.raw("POST", `/companies/${crypto.randomUUID()}/poll`)).status).toBe(404)
    await api.post(`/admin/companies/${receiver}/pause`)
    const paused = await api.raw("POST", `/companies/${receiver}/poll`)
    expect(paused.status).toBe(409)
    expect(paused.body.error.code).toBe("conflict")
  }, 30_000)
})
