import { afterAll } from "@effect/vitest"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { apiClient } from "./client.ts"
import { ADMIN_KEY, banner, database } from "./e2eTools.ts"
import { deleteStreams } from "./nats.ts"
import { runService, runServiceOnDeno, type ServiceProcess } from "./process.ts"

export { ADMIN_KEY, banner, database, deliveryRunning, statusCounts, withSql, workers } from "./e2eTools.ts"

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

  /** Starts the service with `env` (over end-to-end defaults), on Node unless `runtime` says Deno, and waits for its banner. */
  const serve = async (env: Record<string, string>, { runtime = "node" }: { readonly runtime?: "node" | "deno" } = {}) => {
    const fullEnv = {
      PORT: "0",
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: process.env["E2E_LOG_LEVEL"] ?? "warn",
      PROVIDER_TIMEOUT_SECONDS: "2",
      // Provider fakes and webhook receivers listen on 127.0.0.1.
      OUTBOUND_ALLOW_PRIVATE: "true",
      ...env
    }
    const service = runtime === "deno" ? await runServiceOnDeno("src/main.ts", fullEnv) : runService("src/main.ts", fullEnv)
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
