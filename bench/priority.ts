/**
 * Delivery order by priority: `npm run bench:priority`. The service runs as its own process on real PostgreSQL and NATS
 * (a database and a NATS prefix of its own, removed at the end), for one receiving company whose mock provider answers
 * in `--latency` ms at delivery_concurrency 1, so that its calls go strictly one after the other.
 *
 *   npm run bench:priority -- [--backlog 1000] [--latency 100] [--stream-seconds 10] [--lows 200]
 *
 * Scenarios:
 *  (a) urgent behind a backlog: `--backlog` normal jobs (through POST /jobs/bulk), and once the company's calls are
 *      under way one urgent job: the time from its 201 to the mock recording its lead, and how many calls went out in
 *      between (the rule allows at most one before it, or a lower priority's whose patience ran out);
 *  (b) low under a stream of urgent: `--lows` low jobs waiting, then urgent jobs posted one per call time (the company
 *      can never catch up) for `--stream-seconds`: the low leads delivered meanwhile and the share of the calls they had
 *      (the rule gives a priority passed over 8 calls in a row the next one: 1 in 9).
 * Both print the leads as the mock recorded them (received_at, in the service's clock).
 */
import { parseArgs } from "node:util"
import type { ApiClient } from "../test/support/client.ts"
import { deliveryRunning } from "../test/support/e2eTools.ts"
import type { ServiceProcess } from "../test/support/process.ts"
import { type Backends, connectTo, launchService, realBackends } from "./support/backends.ts"
import { RATE_LIMIT_PER_MINUTE } from "./support/workload.ts"

const { values: args } = parseArgs({
  options: {
    backlog: { type: "string", default: "1000" },
    latency: { type: "string", default: "100" },
    "stream-seconds": { type: "string", default: "10" },
    lows: { type: "string", default: "200" }
  }
})
const BACKLOG = Number(args.backlog)
const LATENCY_MS = Number(args.latency)
const STREAM_SECONDS = Number(args["stream-seconds"])
const LOWS = Number(args.lows)
const BULK_MAX = 100

interface Lead {
  readonly routingId: string
  readonly priority: string
  readonly receivedAt: number
}

/** A receiving company at concurrency 1 with a slow mock, and a creator; answers what a job body needs. */
const setUp = async (api: ApiClient, name: string) => {
  const skill = `priority-${name}-${crypto.randomUUID().slice(0, 6)}`
  const receiver = await api.post("/companies", {
    name: `Slow trade ${name}`,
    skills: [{ skill, level: "expert", primary: true }],
    provider: { type: "mock", config: { latency_ms: LATENCY_MS } },
    rate_limit_per_minute: RATE_LIMIT_PER_MINUTE,
    delivery_concurrency: 1
  })
  const creator = await api.post("/companies", { name: `Creator ${name}` })
  const job = (n: number, priority: string) => ({
    summary: `Priority job ${n}`,
    address: { street: `${n} Main St`, city: "Anytown", state: "CA", zip_code: "12345" },
    homeowner: { name: "Bench Owner", phone: "(555) 000-0000" },
    created_by_company_id: creator.id,
    required_skills: [skill],
    priority
  })
  return { receiverId: receiver.id as string, job }
}

const postBulk = async (api: ApiClient, bodies: ReadonlyArray<unknown>) => {
  for (let i = 0; i < bodies.length; i += BULK_MAX) {
    const answer = await api.post("/jobs/bulk", { jobs: bodies.slice(i, i + BULK_MAX) })
    const refused = answer.results.filter((r: { status: number }) => r.status !== 201)
    if (refused.length > 0) throw new Error(`bulk refused ${refused.length} jobs: ${JSON.stringify(refused[0])}`)
  }
}

/** Every lead the company's mock recorded, oldest first, with its job's priority. */
const leadsOf = async (backends: Backends, companyId: string): Promise<Array<Lead>> => {
  const rows = await backends.sql!<Array<{ external_id: string; priority: string; received_ms: number }>>`
    select external_id, payload->>'priority' as priority, (extract(epoch from received_at) * 1000)::float8 as received_ms
    from mock_leads where company_id = ${companyId} order by received_at, id`
  return rows.map((r) => ({ routingId: r.external_id, priority: r.priority, receivedAt: r.received_ms }))
}

const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const urgentBehindBacklog = async (api: ApiClient, backends: Backends) => {
  const { job, receiverId } = await setUp(api, "backlog")
  await postBulk(api, Array.from({ length: BACKLOG }, (_, n) => job(n, "normal")))
  await until(async () => (await leadsOf(backends, receiverId)).length >= 10, 60_000, "the backlog's first calls")
  const before = (await leadsOf(backends, receiverId)).length
  const urgent = await api.post("/jobs", job(BACKLOG, "urgent"))
  const acceptedAt = Date.now()
  const routingId = urgent.routings[0].id as string
  await until(async () => (await leadsOf(backends, receiverId)).some((l) => l.routingId === routingId), 60_000, "the urgent lead")
  const leads = await leadsOf(backends, receiverId)
  const at = leads.findIndex((l) => l.routingId === routingId)
  console.log(`(a) urgent behind ${BACKLOG} normal (provider ${LATENCY_MS} ms, concurrency 1)`)
  console.log(`    urgent delivered ${Math.round(leads[at]!.receivedAt - acceptedAt)} ms after its 201`)
  console.log(`    calls between its post and its own: ${at - before} (normal leads delivered before it: ${at} of ${BACKLOG})`)
}

const lowUnderUrgentStream = async (api: ApiClient, backends: Backends) => {
  const { job, receiverId } = await setUp(api, "stream")
  await postBulk(api, Array.from({ length: LOWS }, (_, n) => job(n, "low")))
  await until(async () => (await leadsOf(backends, receiverId)).length >= 1, 60_000, "the first low call")
  // Two urgent jobs per call time: more than the company can take, so urgent work never runs out.
  const started = Date.now()
  let posted = 0
  while (Date.now() - started < STREAM_SECONDS * 1000) {
    await api.post("/jobs", job(LOWS + posted, "urgent"))
    posted++
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS / 2))
  }
  const during = (await leadsOf(backends, receiverId)).filter((l) => l.receivedAt >= started && l.receivedAt <= Date.now())
  const lows = during.filter((l) => l.priority === "low").length
  let longestRun = 0
  let run = 0
  for (const lead of during) {
    run = lead.priority === "low" ? 0 : run + 1
    longestRun = Math.max(longestRun, run)
  }
  console.log(`(b) ${LOWS} low under a stream of urgent (${posted} posted in ${STREAM_SECONDS} s)`)
  console.log(`    calls during the stream: ${during.length}; low: ${lows} (${(100 * lows / Math.max(1, during.length)).toFixed(1)} %)`)
  console.log(`    most calls in a row without a low one: ${longestRun}`)
}

const main = async () => {
  const backends = await realBackends("priority", crypto.randomUUID().slice(0, 8).replaceAll("-", ""))
  let service: ServiceProcess | undefined
  try {
    service = launchService(backends, {})
    const { api } = await connectTo(service)
    await deliveryRunning(api)
    await urgentBehindBacklog(api, backends)
    await lowUnderUrgentStream(api, backends)
  } finally {
    await service?.stop()
    await backends.cleanup()
  }
}

await main()
