import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { freshDatabase } from "../support/postgres.ts"
import { runService, type ServiceProcess } from "../support/process.ts"

const banner = /API\s+(http:\/\/\S+)[\s\S]*Admin key\s+(\S+)/

const CONFIGURED_ADMIN_KEY = "admin-key-for-test-0123456789abcdefghij"

const get = async (url: string, key: string) => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, body: await response.json() }
}

describe("start-up of the service process", () => {
  const running = new Set<ServiceProcess>()
  const start = (entry: string, env: Record<string, string>) => {
    const service = runService(entry, env)
    running.add(service)
    return service
  }
  afterAll(async () => {
    await Promise.all([...running].map((s) => s.stop()))
  })

  it("runs on the embedded default: migrates, seeds a demo once, prints where it is, and keeps data across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "si-embedded-"))
    try {
      const first = start("src/main.ts", { DATA_DIR: dataDir, PORT: "0" })
      const [, url, adminKey] = await first.waitFor(banner, 60_000)
      expect(first.output()).toContain("demo data seeded")
      expect(first.output()).toMatch(/Docs\s+http:\/\/\S+\/docs/)
      const companies = await get(`${url}/companies`, adminKey!)
      expect(companies.status).toBe(200)
      expect(companies.body.items.length).toBeGreaterThanOrEqual(4)
      const creator = companies.body.items.find((c: { name: string }) => c.name === "TradeEngage Partners")
      const job = await fetch(`${url}/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          summary: "Leaking faucet",
          address: { street: "1 Main St", city: "Anytown", state: "CA", zip_code: "12345" },
          homeowner: { name: "Jo" },
          created_by_company_id: creator.id,
          required_skills: ["plumbing"]
        })
      }).then((r) => r.json())
      expect(job.routings.length).toBeGreaterThan(0)
      const delivered = async () =>
        (await get(`${url}/jobs/${job.id}`, adminKey!)).body.routings.every((r: { sync_status: string }) => r.sync_status === "synced")
      const deadline = Date.now() + 30_000
      while (!(await delivered()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      expect(await delivered()).toBe(true)
      const leads = await get(`${url}/admin/providers/mock/leads`, adminKey!)
      expect(leads.body).toMatchObject({ total: job.routings.length, duplicates: 0 })
      expect(await first.stop()).toBe(0)

      const second = start("src/main.ts", { DATA_DIR: dataDir, PORT: "0" })
      const [, url2, printed] = await second.waitFor(banner, 60_000)
      // The generated key is printed once, when it is made; later starts say where it is kept.
      expect(printed).toBe("kept")
      expect(second.output()).toContain(`kept in ${join(dataDir, "admin.key")}`)
      expect(second.output()).not.toContain(adminKey)
      expect(second.output()).not.toContain("demo data seeded")
      expect((await get(`${url2}/jobs/${job.id}`, adminKey!)).body.id).toBe(job.id)
      expect((await get(`${url2}/companies?limit=200`, adminKey!)).body.items).toHaveLength(companies.body.items.length)
      expect(await second.stop()).toBe(0)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 120_000)

  it("on a DATABASE_URL starts with no data unless SEED_DEMO=1, and npm run migrate is idempotent", async () => {
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { url: databaseUrl } = yield* freshDatabase
      yield* Effect.promise(async () => {
        const migrate = start("src/migrate.ts", { DATABASE_URL: databaseUrl })
        expect(await migrate.exited).toBe(0)
        expect(migrate.output()).toContain("migrations applied: 0001_init")
        const again = start("src/migrate.ts", { DATABASE_URL: databaseUrl })
        expect(await again.exited).toBe(0)
        expect(again.output()).toContain("migrations: up to date")

        const env = { DATABASE_URL: databaseUrl, PORT: "0", ADMIN_API_KEY: CONFIGURED_ADMIN_KEY, SECRETS_KEY: generateSecretKey() }
        const plain = start("src/main.ts", env)
        const [, url] = await plain.waitFor(banner, 60_000)
        expect((await get(`${url}/companies`, CONFIGURED_ADMIN_KEY)).body.items).toEqual([])
        expect(plain.output()).toContain("Admin key  from ADMIN_API_KEY")
        expect(await plain.stop()).toBe(0)

        const seeded = start("src/main.ts", { ...env, SEED_DEMO: "1" })
        const [, url2] = await seeded.waitFor(banner, 60_000)
        expect((await get(`${url2}/companies`, CONFIGURED_ADMIN_KEY)).body.items.length).toBeGreaterThan(0)
        expect(await seeded.stop()).toBe(0)
      })
    })))
  }, 120_000)

  // Every rule is tested in process (test/runtime/config.test.ts); here, that the process says it in one line and exits.
  it("stops with one line naming the variable when the configuration is wrong", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: "abc" }, /^configuration error: PORT: expected an integer from 0 to 65535, got "abc"$/],
      [{ SECRETS_KEY: "short" }, /^configuration error: SECRETS_KEY: expected 32 bytes/]
    ]
    await Promise.all(cases.map(async ([env, expected]) => {
      const service = start("src/main.ts", { DATA_DIR: join(tmpdir(), "si-never-used"), ...env })
      expect(await service.exited).toBe(1)
      const lines = service.output().trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(expected)
      expect(service.output()).not.toContain("short")
    }))
  }, 60_000)
})
