import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { createHmac } from "node:crypto"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { type HousecallProFake, startHousecallProFake } from "../fakes/housecallpro.ts"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

const ALERT_TYPES = ["circuit.opened", "circuit.closed", "provider.credentials_invalid", "dead_letter.added", "sla.breached"]

interface Received {
  readonly id: string
  readonly type: string
  readonly data: Record<string, unknown>
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** A receiver keeping, per path, each event it was sent whose signature checks out under that path's secret. */
const startReceiver = async () => {
  const secrets = new Map<string, string>()
  const received = new Map<string, Array<Received>>()
  const server = createServer(async (request, response) => {
    const body = await readBody(request)
    const path = request.url ?? ""
    const expected = `sha256=${createHmac("sha256", secrets.get(path) ?? "").update(body).digest("hex")}`
    if (request.headers["x-signature"] !== expected) {
      response.writeHead(401).end()
      return
    }
    const event = JSON.parse(body) as Received
    received.set(path, [...(received.get(path) ?? []), { id: event.id, type: event.type, data: event.data }])
    response.writeHead(200).end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { secrets, received, url, close: () => new Promise((resolve) => server.close(resolve)) }
}

describe("alerts as webhook events end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()
  let hcp: HousecallProFake
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  beforeAll(async () => {
    hcp = await startHousecallProFake({ apiKeys: ["hcp-right-key"] })
    receiver = await startReceiver()
  })
  afterAll(async () => {
    await hcp.close()
    await receiver.close()
  })

  it("sends circuit.opened and dead_letter.added when the mock provider fails, provider.credentials_invalid on a 401, each once, to the hooks of their company", async () => {
    const { env } = await setup(NATS_TEST_URL)
    const { api, service } = await serve({
      ...env,
      DELIVERY_ATTEMPTS: "2",
      RETRY_BASE_SECONDS: "0.2",
      CIRCUIT_FAILURE_THRESHOLD: "2",
      WEBHOOK_POLL_SECONDS: "0.1"
    })
    const skill = `alerts-${crypto.randomUUID().slice(0, 6)}`
    const { receivers: [failing], creator } = await tradesFor(api, skill, 1, { failure_rate: 1, latency_ms: 0 })
    const refusedSkill = `${skill}-hcp`
    const refused = await api.post("/companies", {
      name: "Wrong Key Plumbing",
      skills: [{ skill: refusedSkill, level: "expert", primary: true }],
      provider: { type: "housecallpro", config: { api_base_url: hcp.url }, credentials: { api_key: "hcp-wrong-key" } }
    })

    const all = await api.post("/webhooks", { url: `${receiver.url}/all`, events: ALERT_TYPES })
    receiver.secrets.set("/all", all.secret)
    const scoped = await api.post("/webhooks", { url: `${receiver.url}/refused`, events: ALERT_TYPES, company_id: refused.id })
    receiver.secrets.set("/refused", scoped.secret)

    await deliveryRunning(api)
    const failingJob = await api.post("/jobs", jobFor(creator, skill, 1))
    const refusedJobs = [await api.post("/jobs", jobFor(creator, refusedSkill, 2)), await api.post("/jobs", jobFor(creator, refusedSkill, 3))]
    const failingRouting = failingJob.routings[0].id as string

    const seen = (path: string) => receiver.received.get(path) ?? []
    const ofType = (path: string, type: string, companyId: string) =>
      seen(path).filter((e) => e.type === type && e.data["company_id"] === companyId)
    const state = async () =>
      JSON.stringify({ received: Object.fromEntries(receiver.received), alerts: await api.get("/alerts") }) +
      `\nservice output:\n${service.output().slice(-4000)}`
    await eventually(async () =>
      ofType("/all", "circuit.opened", failing!).length === 1 &&
      ofType("/all", "dead_letter.added", failing!).length === 1 &&
      ofType("/all", "provider.credentials_invalid", refused.id).length === 1 &&
      ofType("/all", "dead_letter.added", refused.id).length === 2, 30_000, state)

    expect(ofType("/all", "circuit.opened", failing!)[0]!.data).toMatchObject({
      company_id: failing,
      message: expect.stringMatching(/^Trade 0's mock provider circuit opened after 2 failures in a row; calls resume at \d\d:\d\d UTC$/)
    })
    expect(ofType("/all", "dead_letter.added", failing!)[0]!.data).toMatchObject({
      company_id: failing,
      routing_id: failingRouting,
      job_id: failingJob.id,
      attempts: 2,
      message: expect.stringContaining("could not be delivered to Trade 0 after 2 attempts")
    })
    const credentials = ofType("/all", "provider.credentials_invalid", refused.id)[0]!.data
    expect(credentials).toMatchObject({
      company_id: refused.id,
      status: 401,
      message: "Wrong Key Plumbing's Housecall Pro credentials were refused (HTTP 401); its deliveries fail until the provider settings are fixed"
    })
    expect(JSON.stringify(seen("/all"))).not.toContain("hcp-wrong-key")
    expect(new Set(refusedJobs.map((j) => j.routings[0].id))).toEqual(
      new Set(ofType("/all", "dead_letter.added", refused.id).map((e) => e.data["routing_id"]))
    )
    // The hook scoped to the refused company hears of it alone.
    expect(seen("/refused").every((e) => e.data["company_id"] === refused.id)).toBe(true)
    await eventually(async () => seen("/refused").length === 3, 10_000, state)

    const alerts = await api.get("/alerts")
    const kinds = alerts.items.map((a: { type: string; company_id: string }) => `${a.type} ${a.company_id === failing ? "failing" : "refused"}`)
    expect(kinds.sort()).toEqual([
      "circuit.opened failing",
      "dead_letter.added failing",
      "dead_letter.added refused",
      "dead_letter.added refused",
      "provider.credentials_invalid refused"
    ])
    expect(alerts.total).toBe(5)

    // The right key: the alert resolves with the change of provider, and a replayed dead letter's with its retry.
    await api.put(`/companies/${refused.id}/provider`, {
      type: "housecallpro",
      config: { api_base_url: hcp.url },
      credentials: { api_key: "hcp-right-key" }
    })
    await api.post(`/routings/${refusedJobs[0]!.routings[0].id}/retry`, {})
    const open = await api.get("/alerts")
    expect(open.items.map((a: { type: string }) => a.type).sort()).toEqual(["circuit.opened", "dead_letter.added", "dead_letter.added"])
    // Each event once, whatever the retries of delivery and fan-out.
    expect(seen("/all").length).toBe(new Set(seen("/all").map((e) => e.id)).size)
  }, 60_000)
})
