import { Effect, Exit, Scope } from "effect"
import postgres from "postgres"
import { type ApiClient, eventually } from "./client.ts"
import { freshDatabase } from "./postgres.ts"

// The end-to-end helpers that need no test runner, so that scripts run with plain `node` (bench/) can use them too;
// `e2e.ts` re-exports them beside its vitest harness.

/** The admin key end-to-end services run with. */
export const ADMIN_KEY = "e2e-admin-key-0123456789abcdefghijklmnop"

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

/** Waits until the service delivers: every partition of its work stream has its consumer. */
export const deliveryRunning = (api: ApiClient, timeoutMs = 10_000) =>
  eventually(
    async () => {
      const { partitions } = await api.get("/admin/workers")
      return partitions.length > 0 && partitions.every((p: { consumer: string }) => p.consumer !== "")
    },
    timeoutMs,
    async () => JSON.stringify(await api.get("/admin/workers"))
  )
