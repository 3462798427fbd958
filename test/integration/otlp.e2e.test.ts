import { afterAll, describe, expect, it } from "@effect/vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { eventually, jobFor, tradesFor } from "../support/client.ts"
import { e2eHarness } from "../support/e2e.ts"
import { NATS_TEST_URL } from "../support/nats.ts"

interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
}

interface OtlpRequest {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource?: { readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans?: ReadonlyArray<OtlpSpan> }>
  }>
}

/** A collector's OTLP/HTTP traces endpoint (JSON), keeping what it receives. */
const startCollector = async () => {
  const requests: Array<OtlpRequest> = []
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") requests.push(JSON.parse(Buffer.concat(chunks).toString("utf8")))
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => requests.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans ?? []))),
    serviceNames: () =>
      requests.flatMap((r) => r.resourceSpans.map((rs) => rs.resource?.attributes.find((a) => a.key === "service.name")?.value.stringValue)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("OTLP export (service process, real PostgreSQL and NATS)", () => {
  const { serve, setup } = e2eHarness()
  const collectors: Array<{ close: () => Promise<void> }> = []
  afterAll(() => Promise.all(collectors.map((c) => c.close())))

  it("sends each job's trace to OTEL_EXPORTER_OTLP_ENDPOINT under OTEL_SERVICE_NAME, and nothing when OTEL_SDK_DISABLED", async () => {
    const collector = await startCollector()
    collectors.push(collector)
    const { env } = await setup(NATS_TEST_URL)
    const { api } = await serve({
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "si-otlp-test",
      OTEL_BSP_SCHEDULE_DELAY: "200"
    })
    const skill = `hvac-${crypto.randomUUID().slice(0, 6)}`
    const { creator } = await tradesFor(api, skill, 1)
    const job = await api.post("/jobs", jobFor(creator, skill, 1))
    await eventually(async () => (await api.get(`/jobs/${job.id}`)).routings[0].sync_status === "synced", 10_000, async () => "not synced")

    const names = (traceId: string) => collector.spans().filter((s) => s.traceId === traceId).map((s) => s.name)
    await eventually(
      async () => collector.spans().some((s) => s.name === "POST /jobs" && names(s.traceId).some((n) => n.startsWith("process "))),
      10_000,
      async () => JSON.stringify(collector.spans().map((s) => s.name))
    )
    const server = collector.spans().find((s) => s.name === "POST /jobs" && names(s.traceId).some((n) => n.startsWith("process ")))!
    expect(names(server.traceId)).toEqual(
      expect.arrayContaining(["POST /jobs", "Jobs.create", `publish ${env.NATS_PREFIX}_work`, `process ${env.NATS_PREFIX}_work`, "Delivery.deliver"])
    )
    // Statements and broker requests are spans only with OTEL_DETAILED_SPANS (the tracing test turns it on).
    expect(names(server.traceId).filter((name) => name === "insert jobs" || name.startsWith("broker "))).toEqual([])
    expect(new Set(collector.serviceNames())).toEqual(new Set(["si-otlp-test"]))

    // The same service with the SDK disabled delivers as well and exports nothing.
    const silent = await startCollector()
    collectors.push(silent)
    const second = await setup(NATS_TEST_URL)
    const quiet = await serve({ ...second.env, OTEL_EXPORTER_OTLP_ENDPOINT: silent.url, OTEL_SDK_DISABLED: "true", OTEL_BSP_SCHEDULE_DELAY: "200" })
    const trades = await tradesFor(quiet.api, skill, 1)
    const other = await quiet.api.post("/jobs", jobFor(trades.creator, skill, 1))
    await eventually(async () => (await quiet.api.get(`/jobs/${other.id}`)).routings[0].sync_status === "synced", 10_000, async () => "not synced")
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(silent.spans()).toEqual([])
  }, 120_000)
})
