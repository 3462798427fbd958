import { afterAll, beforeAll, describe, expect, it, vi } from "@effect/vitest"
import { SpanKind } from "@opentelemetry/api"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { ConfigProvider, Effect, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { partitionOf, topology } from "../../src/domain/topology.ts"
import * as Logging from "../../src/Logging.ts"
import { ServiceLive } from "../../src/MainLive.ts"
import * as Tracing from "../../src/Tracing.ts"
import { type ServiceTitanFake, startServiceTitanFake } from "../fakes/servicetitan.ts"
import { apiClient, eventually, jobFor } from "../support/client.ts"
import { ADMIN_KEY, database, deliveryRunning } from "../support/e2e.ts"
import { deleteStreams, NATS_TEST_URL } from "../support/nats.ts"
import { sparePort } from "../support/ports.ts"

const st = { tenant: "5151", bookingProvider: "88", clientId: "st-client-trace", clientSecret: "st-secret-trace-7a6b5c", appKey: "st-app-key-trace-4d3e2f" }

/** A client's W3C trace context, as a caller already tracing its own work would send it. */
const clientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const clientSpanId = "00f067aa0ba902b7"

const spanId = (span: ReadableSpan) => span.spanContext().spanId
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId

/**
 * The service in this process (so that an in-memory exporter sees every span) on real PostgreSQL and NATS, against the
 * ServiceTitan fake: one job's trace from the client's request to the provider's HTTP call, and the logs of its failing
 * first delivery.
 */
const DELIVERY_PARTITIONS = 8

describe("one trace per job (service in process, real PostgreSQL and NATS, ServiceTitan fake)", () => {
  const exporter = new InMemorySpanExporter()
  const logLines: Array<string> = []
  const cleanups: Array<() => Promise<unknown>> = []
  let titan: ServiceTitanFake
  let url: string
  let prefix: string

  beforeAll(async () => {
    titan = await startServiceTitanFake(st)
    cleanups.push(() => titan.close())
    const db = await database()
    prefix = `trace${crypto.randomUUID().slice(0, 8)}`
    cleanups.push(db.release, () => deleteStreams(NATS_TEST_URL, prefix))
    const port = await sparePort()
    url = `http://127.0.0.1:${port}`
    const env = new Map(Object.entries({
      DATABASE_URL: db.url,
      NATS_URL: NATS_TEST_URL,
      NATS_PREFIX: prefix,
      SECRETS_KEY: generateSecretKey(),
      ADMIN_API_KEY: ADMIN_KEY,
      PORT: String(port),
      RETRY_BASE_SECONDS: "0.2",
      PROVIDER_TIMEOUT_SECONDS: "2",
      DELIVERY_PARTITIONS: String(DELIVERY_PARTITIONS),
      OTEL_DETAILED_SPANS: "true",
      OUTBOUND_ALLOW_PRIVATE: "true"
    }))
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      logLines.push(String(line))
    })
    const scope = Effect.runSync(Scope.make())
    const service = Layer.buildWithScope(
      ServiceLive.pipe(Layer.provide(Tracing.layer({ serviceName: "service-integration-test", spanProcessors: [new SimpleSpanProcessor(exporter)] }))),
      scope
    )
    await Effect.runPromise(service.pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(env)),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.provide(Logging.layer("json"))
    ))
    cleanups.push(() => Effect.runPromise(Scope.close(scope, Exit.void)))
  }, 60_000)

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    vi.restoreAllMocks()
  }, 60_000)

  it("follows a job from the client's traceparent through the outbox, NATS and the actor to the provider's HTTP call", async () => {
    const api = apiClient(url, ADMIN_KEY)
    const skill = `hvac-${crypto.randomUUID().slice(0, 6)}`
    const trade = await api.post("/companies", {
      name: "Traced Trade",
      skills: [{ skill, level: "expert", primary: true }],
      rate_limit_per_minute: 100_000,
      provider: {
        type: "servicetitan",
        config: {
          tenant_id: st.tenant,
          booking_provider: st.bookingProvider,
          campaign_id: 9,
          business_unit_id: 5,
          job_type_id: 7,
          api_base_url: titan.url,
          auth_base_url: titan.url
        },
        credentials: { client_id: st.clientId, client_secret: st.clientSecret, app_key: st.appKey }
      }
    })
    const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
    await deliveryRunning(api)
    // The first create fails, so the routing is delivered on its second delivery.
    titan.faults.inject("createBooking", { status: 503 })

    const response = await fetch(`${url}/jobs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        "content-type": "application/json",
        traceparent: `00-${clientTraceId}-${clientSpanId}-01`
      },
      body: JSON.stringify(jobFor(creator.id, skill, 1))
    })
    expect(response.status).toBe(201)
    const job = await response.json() as { id: string; routings: Array<{ id: string }> }
    expect(job.routings).toHaveLength(1)
    const routingId = job.routings[0]!.id

    const traced = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === clientTraceId)
    const named = (name: string) => traced().filter((s) => s.name === name)
    // The webhook fan-out of routing.synced is the trace's last step.
    await eventually(async () => named(`process ${prefix}_events`).length > 0, 20_000,
      async () => traced().map((s) => s.name).join(", "))

    const spans = traced()
    const byId = new Map(spans.map((s) => [spanId(s), s]))
    const ancestors = (span: ReadableSpan): Array<ReadableSpan> => {
      const parent = byId.get(parentId(span) ?? "")
      return parent === undefined ? [] : [parent, ...ancestors(parent)]
    }
    const under = (span: ReadableSpan, ancestor: ReadableSpan) => ancestors(span).includes(ancestor)

    // The HTTP server span continues the client's span; every other span's parent is in the same trace.
    const [server, ...otherServers] = spans.filter((s) => s.kind === SpanKind.SERVER && s.name === "POST /jobs")
    expect(otherServers).toEqual([])
    expect(parentId(server!)).toBe(clientSpanId)
    expect(server!.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/jobs", "http.response.status_code": 201 })
    for (const span of spans) if (span !== server) expect(byId.has(parentId(span) ?? ""), `parent of ${span.name}`).toBe(true)
    expect(spans.some((s) => s.attributes["job.id"] === job.id)).toBe(true)

    // Database spans of the request: the job and its outbox event written in it.
    const dbSpans = spans.filter((s) => s.kind === SpanKind.CLIENT && s.attributes["db.system.name"] === "postgresql" && under(s, server!))
    expect(dbSpans.map((s) => s.name)).toEqual(expect.arrayContaining(["insert jobs", "append outbox"]))

    // The relay publishes the outbox event as a producer span whose parent is the request's span that wrote it.
    const [publish, ...otherPublishes] = named(`publish ${prefix}_work`)
    expect(otherPublishes).toEqual([])
    expect(publish!.kind).toBe(SpanKind.PRODUCER)
    expect(under(publish!, server!)).toBe(true)
    expect(publish!.attributes).toMatchObject({
      "messaging.system": "nats",
      "messaging.operation.type": "send",
      "messaging.destination.name": topology(prefix, DELIVERY_PARTITIONS).deliverSubject(trade.id as CompanyId)
    })
    const messageId = publish!.attributes["messaging.message.id"]
    expect(typeof messageId).toBe("string")

    // Each delivery of the message is a consumer span of its own, child of the publish span.
    const processes = named(`process ${prefix}_work`).sort((a, b) =>
      Number(a.attributes["messaging.nats.message.delivery_count"]) - Number(b.attributes["messaging.nats.message.delivery_count"])
    )
    expect(processes.map((s) => s.attributes["messaging.nats.message.delivery_count"])).toEqual([1, 2])
    for (const process of processes) {
      expect(process.kind).toBe(SpanKind.CONSUMER)
      expect(parentId(process)).toBe(spanId(publish!))
      expect(process.attributes).toMatchObject({
        "messaging.system": "nats",
        "messaging.operation.type": "process",
        "messaging.message.id": messageId,
        "messaging.consumer.group.name": `partition-${partitionOf(trade.id, DELIVERY_PARTITIONS)}`
      })
    }
    expect(spans.find((s) => s.name === "Delivery.deliver" && parentId(s) === spanId(processes[1]!))?.attributes)
      .toMatchObject({ "routing.id": routingId, "job.id": job.id, "company.id": trade.id })

    // The provider's HTTP client spans, one per create, and the fake received each one's traceparent.
    const creates = spans.filter((s) => s.kind === SpanKind.CLIENT && s.name === "http.client POST" && String(s.attributes["url.full"]).includes("/bookings"))
    expect(creates).toHaveLength(2)
    expect(creates.map((c) => processes.findIndex((p) => under(c, p))).sort()).toEqual([0, 1])
    const inOrder = [...creates].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
    expect(titan.faults.traceparents("createBooking")).toEqual(inOrder.map((c) => `00-${clientTraceId}-${spanId(c)}-01`))

    // The domain event of the delivery goes on in the same trace, to the webhook fan-out.
    const synced = named(`publish ${prefix}_events`)
    expect(synced.some((s) => under(s, processes[1]!))).toBe(true)
    expect(named(`process ${prefix}_events`).every((s) => synced.some((p) => parentId(s) === spanId(p)))).toBe(true)

    // No span carries a credential.
    const attributes = JSON.stringify(spans.map((s) => s.attributes))
    for (const secret of [st.clientSecret, st.appKey]) expect(attributes).not.toContain(secret)
    expect(attributes).not.toMatch(/st_[0-9a-f-]{36}/)
  }, 60_000)

  it("gives each job of a bulk a trace of its own, linked to the bulk's span, that its delivery continues", async () => {
    const api = apiClient(url, ADMIN_KEY)
    const skill = `roofing-${crypto.randomUUID().slice(0, 6)}`
    await api.post("/companies", { name: "Bulk Trade", skills: [{ skill, level: "expert", primary: true }], provider: { type: "mock" } })
    const creator = await api.post("/companies", { name: "Bulk Creator", provider: { type: "mock" } })
    const response = await fetch(`${url}/jobs/bulk`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        "content-type": "application/json",
        traceparent: `00-${clientTraceId}-${clientSpanId}-01`
      },
      body: JSON.stringify({ jobs: [jobFor(creator.id, skill, 1), jobFor(creator.id, skill, 2)] })
    })
    expect(response.status).toBe(200)
    const { results } = await response.json() as { results: Array<{ status: number; job: { id: string } }> }
    expect(results.map((r) => r.status)).toEqual([201, 201])

    const spans = () => exporter.getFinishedSpans()
    const jobSpan = (id: string) => spans().find((s) => s.name === "Jobs.create" && s.attributes["job.id"] === id)
    // Each job's delivery is the last step its trace needs here.
    const delivered = (id: string) => spans().some((s) => s.name === "Delivery.deliver" && s.attributes["job.id"] === id)
    await eventually(async () => results.every((r) => delivered(r.job.id)), 20_000, async () => "jobs not delivered")

    const bulk = spans().find((s) => s.name === "Jobs.createBulk" && s.spanContext().traceId === clientTraceId)
    expect(bulk).toBeDefined()
    const traceIds = results.map((r) => {
      const span = jobSpan(r.job.id)!
      expect(span.parentSpanContext).toBeUndefined()
      expect(span.links.map((l) => l.context.spanId)).toEqual([spanId(bulk!)])
      const traceId = span.spanContext().traceId
      const deliver = spans().find((s) => s.name === "Delivery.deliver" && s.attributes["job.id"] === r.job.id)!
      expect(deliver.spanContext().traceId).toBe(traceId)
      return traceId
    })
    expect(new Set([...traceIds, clientTraceId]).size).toBe(3)
  }, 60_000)

  it("logs the failing delivery as JSON lines in the job's trace, with no credential", () => {
    const entries = logLines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
    const failure = entries.find((e) => e["message"] === "delivery failed; will retry")
    expect(failure).toMatchObject({ level: "warn", trace_id: clientTraceId, attempts: 1 })
    expect(failure!["routing_id"]).toEqual(expect.any(String))
    expect(failure!["span_id"]).toMatch(/^[0-9a-f]{16}$/)
    expect(entries.length).toBeGreaterThan(10)
    for (const line of logLines) {
      expect(line).not.toContain(st.clientSecret)
      expect(line).not.toContain(st.appKey)
      expect(line).not.toMatch(/st_[0-9a-f-]{36}/)
    }
  })
})
