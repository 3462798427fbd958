import { afterAll } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import postgres from "postgres"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { apiClient, type ApiClient, eventually } from "./client.ts"
import { deleteStreams } from "./nats.ts"
import { freshDatabase } from "./postgres.ts"
import { runService, type ServiceProcess } from "./process.ts"

/** The admin key end-to-end services run with. */
export const ADMIN_KEY = "e2e-admin-key"

/** The start-up banner's API line, with the URL the service listens on. */
export const banner = /API\s+(http:\/\/\S+)/

/** A fresh database for the test, dropped when `release` is called. */
export const database = async () => {
  const scope = Effect.runSync(Scope.make())
  const { url } = await Effect.runPromise(Scope.extend(freshDatabase, scope))
  return { url, release: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Runs `f` with a one-connection client on the database at `databaseUrl`. */
export const withSql = async <A>(databaseUrl: string, f: (sql: postgres.Sql) => Promise<A>): Promise<A> => {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    return await f(sql)
  } finally {
    await sql.end()
  }
}

/** Every routing in the database with its status, counted by status. */
export const statusCounts = (databaseUrl: string) =>
  withSql(databaseUrl, async (sql) => {
    const rows = await sql<Array<{ sync_status: string; n: number }>>`
      select sync_status, count(*)::int as n from job_routings group by sync_status`
    return Object.fromEntries(rows.map((r) => [r.sync_status, r.n])) as Record<string, number>
  })

/** The actors `/admin/workers` lists, by company id. */
export const workers = async (api: ApiClient): Promise<Map<string, { state: string; [key: string]: unknown }>> =>
  new Map((await api.get("/admin/workers")).items.map((w: { company_id: string; state: string }) => [w.company_id, w]))

/** Waits until this process runs an actor for each of the companies. */
export const actorsRunning = (api: ApiClient, companies: ReadonlyArray<string>, timeoutMs = 10_000) =>
  eventually(
    async () => {
      const running = await workers(api)
      return companies.every((id) => running.has(id))
    },
    timeoutMs,
    async () => JSON.stringify(await api.get("/admin/workers"))
  )

/**
 * Service processes and their databases and NATS streams for the tests of one `describe` (call it there): `setup` makes
 * a database and a stream prefix of their own, `serve` starts the service on them; every process still running is
 * stopped, and the databases and streams are removed, after all the tests.
 */
export const e2eHarness = () => {
  const running = new Set<ServiceProcess>()
  const cleanups: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    await Promise.all([...running].map((s) => s.stop()))
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  /** Starts the service with `env` (over end-to-end defaults) and waits for its banner. */
  const serve = async (env: Record<string, string>) => {
    const service = runService("src/main.ts", {
      PORT: "0",
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: process.env["E2E_LOG_LEVEL"] ?? "warn",
      PROVIDER_TIMEOUT_SECONDS: "2",
      ...env
    })
    running.add(service)
    const [, url] = await service.waitFor(banner, 60_000)
    return { service, url: url!, api: apiClient(url!, ADMIN_KEY) }
  }

  /** A database and a NATS prefix of the test's own (removed after all the tests), as the service's environment. */
  const setup = async (natsUrl: string) => {
    const db = await database()
    const prefix = `e2e${crypto.randomUUID().slice(0, 8)}`
    cleanups.push(db.release, () => deleteStreams(natsUrl, prefix))
    const env = { DATABASE_URL: db.url, NATS_URL: natsUrl, NATS_PREFIX: prefix, SECRETS_KEY: generateSecretKey() }
    return { env, databaseUrl: db.url }
  }

  /** Forgets a process the test ended itself (e.g. killed), so it is not stopped again. */
  const forget = (service: ServiceProcess) => running.delete(service)

  return { serve, setup, forget, cleanups }
}
