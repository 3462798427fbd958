/**
 * What the machine's PostgreSQL and NATS can do on their own, to state the service as a fraction of those limits:
 * - pgbench running the job transaction's write set (the job, its routings and their outbox events, one transaction),
 *   in a database of its own migrated like the service's, so the service never sees the rows;
 * - a minimal JetStream client publishing messages with a message id (as the relay does) while a pull consumer takes
 *   and acknowledges them (as the actors do), on a stream of its own.
 */
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { connect, headers } from "@nats-io/transport-node"
import { spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import postgres from "postgres"
import { NATS_TEST_URL } from "../../test/support/nats.ts"
import { runService } from "../../test/support/process.ts"
import { SERVER_URL } from "./backends.ts"

const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("error", reject)
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}: ${output}`))))
  })

/**
 * One job with `routings` routings and their outbox events, the rows `POST /jobs` writes, in one transaction (here as
 * one statement with data-modifying CTEs between BEGIN and COMMIT; the service sends three inserts).
 */
const jobTransaction = (routings: number, creator: string, receiver: string) => `BEGIN;
WITH job AS (
  INSERT INTO jobs (id, summary, address, homeowner, required_skills, skill_levels, priority, status, matching_score,
    created_by_company_id, created_at, updated_at)
  VALUES (gen_random_uuid(), 'Bench job', '{"street":"1 Main St","city":"Anytown","state":"CA","zip_code":"12345"}',
    '{"name":"Bench Owner","phone":"(555) 000-0000"}', '{bench}', '{}', 'normal', 'pending', 4.8, '${creator}', now(), now())
  RETURNING id
), routing AS (
  INSERT INTO job_routings (id, job_id, company_id_received, position, score, matched_skills, reason, sync_status,
    created_at, updated_at)
  SELECT gen_random_uuid(), job.id, '${receiver}', p, 4.8, '{bench}', 'bench', 'pending', now(), now()
  FROM job, generate_series(0, ${routings - 1}) AS p
  RETURNING id, job_id
)
INSERT INTO outbox_events (id, aggregate_id, type, payload, traceparent, created_at)
SELECT gen_random_uuid(), routing.id, 'routing.created',
  json_build_object('routing_id', routing.id, 'job_id', routing.job_id, 'company_id', '${receiver}'),
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', now()
FROM routing;
COMMIT;
`.replace(/\n(?!BEGIN|WITH|INSERT INTO outbox|COMMIT)\s*/g, " ")

/**
 * A job's whole life in PostgreSQL, for `jobs` jobs of `routings` routings at once, each stage batched as the service
 * batches it at best (one statement a stage for the whole batch): the intake transaction; the relay's transaction
 * (claim the unpublished events, mark them published); the delivery's read-and-claim; the mock provider's leads; the
 * results with their attempts and `routing.synced` events; the relay again for those. The rows each stage touches are
 * carried to the next in pgbench variables (`\gset`), so stages never scan for work.
 */
const pipelineScript = (jobs: number, routings: number, creator: string, receiver: string) => {
  const relay = (ids: string) => `BEGIN;
select id from outbox_events where id = any(${ids}::uuid[]) and published_at is null order by created_at, id for update skip locked;
update outbox_events set published_at = now() where id = any(${ids}::uuid[]);
COMMIT;
`
  return `BEGIN;
with job as (
  insert into jobs (id, summary, address, homeowner, required_skills, skill_levels, priority, status, matching_score,
    created_by_company_id, created_at, updated_at)
  select gen_random_uuid(), 'Bench job', '{"street":"1 Main St","city":"Anytown","state":"CA","zip_code":"12345"}',
    '{"name":"Bench Owner","phone":"(555) 000-0000"}', '{bench}', '{}', 'normal', 'pending', 4.8, '${creator}', now(), now()
  from generate_series(1, ${jobs})
  returning id
), routing as (
  insert into job_routings (id, job_id, company_id_received, position, score, matched_skills, reason, sync_status,
    created_at, updated_at)
  select gen_random_uuid(), job.id, '${receiver}', p, 4.8, '{bench}', 'bench', 'pending', now(), now()
  from job, generate_series(0, ${routings - 1}) as p
  returning id, job_id
), event as (
  insert into outbox_events (id, aggregate_id, type, payload, traceparent, created_at)
  select gen_random_uuid(), routing.id, 'routing.created',
    json_build_object('routing_id', routing.id, 'job_id', routing.job_id, 'company_id', '${receiver}'),
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', now()
  from routing
  returning id, aggregate_id
)
select quote_literal(array_agg(id)::text) as created, quote_literal(array_agg(aggregate_id)::text) as routings from event \\gset
COMMIT;
${relay(":created")}with claimed as (
  update job_routings set needs_lookup = needs_lookup or sync_status = 'syncing', sync_status = 'syncing',
    lease_until = now() + interval '1 minute', updated_at = now()
  where id = any(:routings::uuid[]) and sync_status in ('pending', 'retrying')
  returning id, job_id, needs_lookup, attempts
)
select j.*, r.* from jobs j join job_routings r on r.job_id = j.id where r.id in (select id from claimed);
insert into mock_leads (lead_id, company_id, external_id, payload, received_at)
select gen_random_uuid()::text, '${receiver}', id::text, json_build_object('routing_id', id), now()
from unnest(:routings::uuid[]) as id;
with routing as (
  update job_routings set sync_status = 'synced', external_id = id::text, synced_at = now(), attempts = attempts + 1,
    lease_until = null, needs_lookup = false, updated_at = now()
  where id = any(:routings::uuid[])
  returning id, job_id
), attempt as (
  insert into routing_attempts (routing_id, at, outcome, duration_ms, error) select id, now(), 'synced', 1, null from routing
), event as (
  insert into outbox_events (id, aggregate_id, type, payload, traceparent, created_at)
  select gen_random_uuid(), id, 'routing.synced', json_build_object('routing_id', id, 'job_id', job_id),
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', now()
  from routing
  returning id
), routed as (
  update jobs set status = 'routed', updated_at = now() where id in (select job_id from routing) and status = 'pending'
)
select quote_literal(array_agg(id)::text) as synced from event \\gset
${relay(":synced")}`
}

/** Runs a pgbench script made for a creating and a receiving company, in a database of its own migrated like the service's. */
const pgbenchScript = async (
  script: (creator: string, receiver: string) => string,
  options: { clients: number; seconds: number; runId: string; name: string }
) => {
  const database = `si_bench_pgbench_${options.name}_${options.runId}`
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
  const dir = await mkdtemp(join(tmpdir(), "si-pgbench-"))
  await admin.unsafe(`create database ${database}`)
  try {
    const url = new URL(SERVER_URL)
    url.pathname = `/${database}`
    const migrated = runService("src/migrate.ts", { DATABASE_URL: url.toString(), LOG_LEVEL: "warn" })
    if ((await migrated.exited) !== 0) throw new Error(`migrations failed: ${migrated.output()}`)
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} })
    const [creator, receiver] = [crypto.randomUUID(), crypto.randomUUID()]
    await sql`insert into companies (id, name, status, created_at, updated_at) values
      (${creator}, 'Bench creator', 'active', now(), now()), (${receiver}, 'Bench receiver', 'active', now(), now())`
    await sql.end()
    const file = join(dir, `${options.name}.sql`)
    await writeFile(file, script(creator, receiver))
    const output = await run("pgbench", [
      "-n", "-f", file, "-c", String(options.clients), "-j", String(Math.min(options.clients, 2)),
      "-T", String(options.seconds), url.toString()
    ])
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1])
    const latency = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1])
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench's tps: ${output}`)
    return { tps, latencyMs: latency }
  } finally {
    await admin.unsafe(`drop database if exists ${database} with (force)`)
    await admin.end()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Transactions a second pgbench runs of the job transaction, with `clients` connections for `seconds`. */
export const pgbenchJobTransactions = (options: { routings: number; clients: number; seconds: number; runId: string }) =>
  pgbenchScript((creator, receiver) => jobTransaction(options.routings, creator, receiver), { ...options, name: "job" })

/**
 * Jobs a second through PostgreSQL alone when it does nothing but a job's whole write set (`pipelineScript`), `batch`
 * jobs a script run: the ceiling PostgreSQL puts on the service on this machine, with nothing else using the cores.
 */
export const pgbenchPipeline = async (options: { routings: number; batch: number; clients: number; seconds: number; runId: string }) => {
  const result = await pgbenchScript(
    (creator, receiver) => pipelineScript(options.batch, options.routings, creator, receiver),
    { ...options, name: "pipeline" }
  )
  return { jobsPerSecond: result.tps * options.batch, ...result }
}

/**
 * Messages a second through JetStream from one minimal client: `count` messages of `size` bytes published with a
 * message id, at most `window` unacknowledged publishes at a time, while a pull consumer fetches batches and acks each.
 */
export const jetstreamPublishConsume = async (options: { count: number; size: number; window: number; runId: string }) => {
  const nc = await connect({ servers: NATS_TEST_URL })
  const stream = `bench${options.runId}_baseline`
  const subject = `bench${options.runId}.baseline.company`
  try {
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File })
    await jsm.consumers.add(stream, { durable_name: "baseline", ack_policy: AckPolicy.Explicit, filter_subject: subject })
    const js = jetstream(nc)
    const consumer = await js.consumers.get(stream, "baseline")
    const payload = new TextEncoder().encode("x".repeat(options.size))
    const started = performance.now()
    const consume = (async () => {
      let acked = 0
      while (acked < options.count) {
        const batch = await consumer.fetch({ max_messages: 256, expires: 2_000 })
        for await (const message of batch) {
          message.ack()
          acked++
        }
      }
    })()
    const inFlight = new Set<Promise<unknown>>()
    for (let i = 0; i < options.count; i++) {
      const h = headers()
      h.set("Nats-Msg-Id", `${options.runId}-${i}`)
      const ack: Promise<unknown> = js.publish(subject, payload, { headers: h }).then(() => inFlight.delete(ack))
      inFlight.add(ack)
      if (inFlight.size >= options.window) await Promise.race(inFlight)
    }
    await Promise.all(inFlight)
    const published = performance.now()
    await consume
    const seconds = (performance.now() - started) / 1000
    return { messagesPerSecond: options.count / seconds, publishSeconds: (published - started) / 1000, seconds }
  } finally {
    const jsm = await jetstreamManager(nc)
    await jsm.streams.delete(stream).catch(() => false)
    await nc.close()
  }
}
