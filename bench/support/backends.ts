/**
 * What a benchmark runs the service on, and how it reads what the mock provider recorded: real PostgreSQL (a database
 * of its own on TEST_DATABASE_URL, dropped at the end) and NATS JetStream (NATS_TEST_URL, under a prefix of its own
 * whose streams are deleted at the end), or the embedded default (PGlite in a temporary DATA_DIR, the in-process broker).
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import postgres from "postgres"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { apiClient, type ApiClient } from "../../test/support/client.ts"
import { deleteStreams, NATS_TEST_URL } from "../../test/support/nats.ts"
import { runService, type ServiceProcess } from "../../test/support/process.ts"

export const SERVER_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"
export const ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmn"

export interface Backends {
  readonly label: string
  readonly env: Record<string, string>
  /** A connection to the service's database, when the benchmark can reach it (not on the embedded one). */
  readonly sql: postgres.Sql | null
  /** The service's database URL, when it is a real one. */
  readonly databaseUrl: string | null
  /** Reads the mock's leads, once the service is up. */
  readonly makeReader: (api: ApiClient) => LeadReader
  readonly cleanup: () => Promise<void>
}

/** A fresh database `si_bench_<name>_<runId>` on the test server and a NATS prefix of our own. */
export const realBackends = async (name: string, runId: string): Promise<Backends> => {
  const database = `si_bench_${name}_${runId}`
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${database}`)
  const url = new URL(SERVER_URL)
  url.pathname = `/${database}`
  const databaseUrl = url.toString()
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} })
  const prefix = `bench${runId}`
  return {
    label: `PostgreSQL (${database}) and NATS JetStream at ${NATS_TEST_URL} (prefix ${prefix})`,
    env: { DATABASE_URL: databaseUrl, NATS_URL: NATS_TEST_URL, NATS_PREFIX: prefix, SECRETS_KEY: generateSecretKey() },
    sql,
    databaseUrl,
    makeReader: () => sqlReader(sql),
    cleanup: async () => {
      await sql.end()
      await deleteStreams(NATS_TEST_URL, prefix).catch((e) => console.error(`deleting NATS streams: ${e}`))
      await admin.unsafe(`drop database if exists ${database} with (force)`)
      await admin.end()
    }
  }
}

/** The embedded default in a temporary DATA_DIR. */
export const embeddedBackends = async (name: string): Promise<Backends> => {
  const dataDir = await mkdtemp(join(tmpdir(), `si-bench-${name}-`))
  return {
    label: `embedded PGlite in ${dataDir} and the in-process broker`,
    env: { DATA_DIR: dataDir },
    sql: null,
    databaseUrl: null,
    makeReader: apiReader,
    cleanup: () => rm(dataDir, { recursive: true, force: true })
  }
}

/** Starts the service as `npm start` does; `cpuProfileDir` records a V8 CPU profile of it, written when it stops. */
export const launchService = (backends: Backends, env: Record<string, string>, cpuProfileDir?: string) =>
  runService("src/main.ts", {
    PORT: "0",
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: "warn",
    // The provider fakes listen on 127.0.0.1.
    OUTBOUND_ALLOW_PRIVATE: "true",
    ...(cpuProfileDir === undefined
      ? {}
      : { NODE_OPTIONS: "--import=./bench/cpuProfile.mjs", CPU_PROFILE_DIR: resolve(cpuProfileDir) }),
    ...env,
    ...backends.env
  })

/** Waits for the service's banner; answers its base URL and an admin client. */
export const connectTo = async (service: ServiceProcess, timeoutMs = 60_000) => {
  const [, baseUrl] = await service.waitFor(/API\s+(http:\/\/\S+)/, timeoutMs)
  return { api: apiClient(baseUrl!, ADMIN_KEY), baseUrl: baseUrl! }
}

/** A routing the benchmark is waiting for, with the time (epoch ms) its job's 201 reached the client. */
export interface Routing {
  readonly id: string
  readonly jobId: string
  readonly companyId: string
  readonly acceptedAt: number
}

export interface LeadReader {
  /**
   * When each of these routings was delivered (epoch ms), by routing id, for those delivered so far: the mock's
   * received_at, or the routing's synced_at where only the routes every target has are read (jobsReader.ts).
   */
  readonly receivedAt: (routings: ReadonlyArray<Routing>) => Promise<Map<string, number>>
  /** How many leads were recorded more than once, over the whole database. */
  readonly duplicates: () => Promise<number>
}

const sqlReader = (sql: postgres.Sql): LeadReader => ({
  receivedAt: async (routings) => {
    const received = new Map<string, number>()
    // In chunks, so that a long run's routings do not make one huge statement.
    for (let i = 0; i < routings.length; i += 10_000) {
      const rows = await sql<Array<{ external_id: string; received_ms: number }>>`
        select external_id, (extract(epoch from received_at) * 1000)::float8 as received_ms
        from mock_leads where external_id = any(${routings.slice(i, i + 10_000).map((r) => r.id)}::text[])`
      for (const row of rows) received.set(row.external_id, row.received_ms)
    }
    return received
  },
  duplicates: async () => {
    const [row] = await sql<Array<{ n: number }>>`
      select count(*)::int as n from (select 1 from mock_leads group by company_id, external_id having count(*) > 1) d`
    return row!.n
  }
})

/** Through the admin route, one call per company involved (it answers at most 1,000 leads, newest first). */
const apiReader = (api: ApiClient): LeadReader => {
  const leadsOf = async (companyId: string) => {
    const page = await api.get(`/admin/providers/mock/leads?limit=1000&company_id=${companyId}`)
    if (page.items.length >= 1000) console.warn(`  (company ${companyId}: only the newest 1000 of ${page.total} leads read)`)
    return page as { items: Array<{ external_id: string; received_at: string }> }
  }
  return {
    receivedAt: async (routings) => {
      const wanted = new Set(routings.map((r) => r.id))
      const pages = await Promise.all([...new Set(routings.map((r) => r.companyId))].map(leadsOf))
      return new Map(pages.flatMap((p) => p.items)
        .filter((l) => wanted.has(l.external_id))
        .map((l) => [l.external_id, Date.parse(l.received_at)]))
    },
    duplicates: async () => (await api.get("/admin/providers/mock/leads?limit=1")).duplicates
  }
}

/** Polls until every routing has its lead (or `timeoutMs` passes); answers their received_at by routing id. */
export const waitForLeads = async (reader: LeadReader, routings: ReadonlyArray<Routing>, pollMs: number, timeoutMs = 600_000) => {
  const deadline = Date.now() + timeoutMs
  let lastReport = Date.now()
  for (;;) {
    const received = await reader.receivedAt(routings)
    if (received.size >= routings.length) return received
    if (Date.now() > deadline) throw new Error(`only ${received.size} of ${routings.length} leads within ${timeoutMs} ms`)
    if (Date.now() - lastReport > 10_000) {
      console.log(`    … ${received.size} of ${routings.length} leads so far`)
      lastReport = Date.now()
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
