import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Db } from "../../layers/storage/Db.ts"
import { sha256Hex } from "../../src/domain/hash.ts"
import { makeTestApi } from "../support/http.ts"
import { layerPostgresServices } from "../support/services.ts"

describe("secrets at rest on PostgreSQL", () => {
  const api = makeTestApi(layerPostgresServices)
  afterAll(() => api.dispose())
  const rows = (sql: string) =>
    api.runtime.runPromise(Effect.flatMap(Db, (db) => db.query("inspect", (s) => s.unsafe(sql))))

  it("stores provider credentials encrypted and API keys as hashes only", async () => {
    const secret = `client-secret-${crypto.randomUUID()}`
    const company = await api.call("POST", "/companies", {
      body: {
        name: "Sealed",
        provider: { type: "housecallpro", config: { api_base_url: "https://api.example" }, credentials: { api_key: secret } }
      }
    })
    expect(company.status).toBe(201)
    const key = await api.call("POST", "/api-keys", { body: { company_id: company.body.id, name: "k" } })
    expect(key.status).toBe(201)

    const providers = JSON.stringify(await rows("select * from company_providers"))
    expect(providers).not.toContain(secret)
    expect(providers).toContain("credentials_sealed")
    const keys = await rows("select * from api_keys")
    expect(JSON.stringify(keys)).not.toContain(key.body.key)
    expect(keys.map((k) => (k as { key_hash: string }).key_hash)).toContain(await Effect.runPromise(sha256Hex(key.body.key)))
    const everything = JSON.stringify(await rows(
      "select (select json_agg(c) from companies c) as c, (select json_agg(j) from jobs j) as j, (select json_agg(o) from outbox_events o) as o"
    ))
    expect(everything).not.toContain(secret)
  })
})
