import { describe, expect, it } from "@effect/vitest"
import { eventually, jobFor } from "../support/client.ts"
import { e2eHarness, workers, actorsRunning } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
describe("scratch", () => {
  const { serve, setup } = e2eHarness()
  it("pause timing", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const t0 = Date.now()
    const { api } = await serve(env)
    console.log("startup ms", Date.now() - t0)
    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    const trade = await api.post("/companies", { name: "T", skills: [{ skill, level: "expert", primary: true }], provider: { type: "mock" }, delivery_concurrency: Number(process.env.CONC ?? 4) })
    await actorsRunning(api, [creator.id, trade.id])
    await sleep(3000)
    const p = Date.now()
    await api.post(`/admin/companies/${trade.id}/pause`)
    await eventually(async () => (await workers(api)).get(trade.id)?.state === "paused", 10_000, async () => "")
    console.log("paused shown after", Date.now() - p)
    const jobs = await Promise.all(Array.from({ length: 3 }, (_, i) => api.post("/jobs", jobFor(creator.id, skill, i))))
    await sleep(7000)
    const st = await Promise.all(jobs.map(async (j) => (await api.get(`/jobs/${j.id}`)).routings.map((r: any) => [r.sync_status, r.synced_at])))
    console.log("after pause shown, job statuses", JSON.stringify(st), "elapsed since pause", Date.now() - p)
  }, 60_000)
})
