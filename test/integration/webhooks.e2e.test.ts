import { afterAll, describe, expect, it } from "@effect/vitest"
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { deliveryRunning, e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

/** What one receiver path saw: every attempt by event id, the event ids it accepted (each once), and bad signatures. */
interface Seen {
  secret: string
  readonly attempts: Map<string, number>
  readonly accepted: Map<string, { id: string; type: string; data: Record<string, unknown> }>
  acceptedTwice: number
  badSignatures: number
}

const newSeen = (): Seen => ({ secret: "", attempts: new Map(), accepted: new Map(), acceptedTwice: 0, badSignatures: 0 })

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** Verifies `X-Signature: sha256=<hex>` over the raw body, as a receiver would. */
const signedBy = (secret: string, body: string, header: string | undefined) => {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`)
  const given = Buffer.from(header ?? "")
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * A local receiver: `/flaky` answers 500 to the first two attempts of each event and 200 after (a receiver that
 * de-duplicates by X-Event-Id); `/down` always answers 500. Both check the signature first (401 when it is wrong).
 */
const startReceiver = async () => {
  const seen = { flaky: newSeen(), down: newSeen() }
  const server = createServer(async (request, response) => {
    const body = await readBody(request)
    const target = request.url === "/flaky" ? seen.flaky : seen.down
    if (!signedBy(target.secret, body, request.headers["x-signature"] as string | undefined)) {
      target.badSignatures++
      response.writeHead(401).end()
      return
    }
    const eventId = request.headers["x-event-id"] as string
    const n = (target.attempts.get(eventId) ?? 0) + 1
    target.attempts.set(eventId, n)
    if (request.url === "/down" || n <= 2) {
      response.writeHead(500).end("not now")
      return
    }
    if (target.accepted.has(eventId)) target.acceptedTwice++
    const event = JSON.parse(body)
    target.accepted.set(eventId, { id: event.id, type: event.type, data: event.data })
    response.writeHead(200).end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { seen, url, close: () => new Promise((resolve) => server.close(resolve)) }
}

describe("webhooks end to end (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()
  const closers: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const close of closers) await close()
  })

  it("signs each routing.synced event, retries it until the receiver takes it once, disables a hook that keeps failing, and enables it again", async () => {
    const receiver = await startReceiver()
    closers.push(receiver.close)
    const { env } = await setup(NATS_TEST_URL)
    const { api, service } = await serve({
      ...env,
      WEBHOOK_RETRY_BASE_SECONDS: "0.1",
      WEBHOOK_POLL_SECONDS: "0.1",
      WEBHOOK_ATTEMPTS: "4",
      WEBHOOK_MAX_FAILURES: "2"
    })
    const flaky = await api.post("/webhooks", { url: `${receiver.url}/flaky`, events: ["routing.synced"] })
    receiver.seen.flaky.secret = flaky.secret
    const down = await api.post("/webhooks", { url: `${receiver.url}/down`, events: ["routing.synced", "routing.failed"] })
    receiver.seen.down.secret = down.secret

    const skill = `webhook-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(api, skill, 1, { latency_ms: 0 })
    await deliveryRunning(api)
    const jobs = await Promise.all([0, 1, 2].map((n) => api.post("/jobs", jobFor(creator, skill, n))))
    const routings = new Set(jobs.flatMap((job) => job.routings.map((r: { id: string }) => r.id)))
    expect(routings.size).toBe(3)

    const state = async () =>
      JSON.stringify({ seen: receiver.seen, hooks: await api.get("/webhooks") }, (_, v) =>
        v instanceof Map ? Object.fromEntries(v) : v) + `\nservice output:\n${service.output().slice(-4000)}`
    await eventually(async () => receiver.seen.flaky.accepted.size === 3, 15_000, state)
    await eventually(async () => {
      const hooks: Array<{ id: string; active: boolean }> = (await api.get("/webhooks")).items
      return hooks.find((h) => h.id === down.id)?.active === false
    }, 15_000, state)

    const { flaky: seen } = receiver.seen
    expect(seen.badSignatures + receiver.seen.down.badSignatures).toBe(0)
    expect(seen.acceptedTwice).toBe(0)
    expect([...seen.accepted].every(([eventId, e]) => e.id === eventId && e.type === "routing.synced")).toBe(true)
    expect(new Set([...seen.accepted.values()].map((e) => e.data["routing_id"]))).toEqual(routings)
    expect([...seen.attempts.values()]).toEqual([3, 3, 3])

    const hooks: Array<Record<string, unknown>> = (await api.get("/webhooks")).items
    expect(hooks.find((h) => h["id"] === flaky.id)).toMatchObject({ active: true, consecutive_failures: 0 })
    expect(hooks.find((h) => h["id"] === down.id)).toMatchObject({ active: false, disabled_at: expect.any(String) })
    const attempts = (await api.get(`/webhooks/${flaky.id}/deliveries`)).items
    expect(attempts).toHaveLength(9)
    expect(attempts.filter((a: { status: string }) => a.status === "delivered")).toHaveLength(3)
    expect(attempts[0]).toMatchObject({ type: "routing.synced", event_id: expect.any(String), duration_ms: expect.any(Number) })
    const downAttempts = (await api.get(`/webhooks/${down.id}/deliveries`)).items
    expect(downAttempts.length).toBeGreaterThanOrEqual(8)
    expect(downAttempts.every((a: { status: string; status_code: number }) => a.status === "failed" && a.status_code === 500))
      .toBe(true)
    // Disabled: no attempt after the one that disabled it.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const countThen = (await api.get(`/webhooks/${down.id}/deliveries`)).items.length
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect((await api.get(`/webhooks/${down.id}/deliveries`)).items).toHaveLength(countThen)
    // Enabled again: every event it never took is due to it again.
    const enabled = await api.post(`/webhooks/${down.id}/enable`, {})
    expect(enabled).toMatchObject({ id: down.id, active: true, consecutive_failures: 0, disabled_at: null, events_resent: 3 })
    await eventually(async () => (await api.get(`/webhooks/${down.id}/deliveries`)).items.length > countThen, 15_000, state)
  })
})
