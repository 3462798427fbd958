import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FAILED_LOOKUPS_PER_MINUTE, makeKeyGuard } from "../../src/http/keyGuard.ts"
import { ApiKeyRepo } from "../../src/services/ApiKeys.ts"
import { HttpSettings } from "../../src/services/Settings.ts"
import { makeTestApi } from "../support/http.ts"
import { layerMemoryServices } from "../support/services.ts"

/** The memory services with a key limit of `perMinute`, counting the key lookups that reach storage. */
const servicesCountingLookups = (perMinute: number) => {
  const counted = { lookups: 0 }
  const counting = Layer.effect(
    ApiKeyRepo,
    Effect.map(ApiKeyRepo, (repo) => ({
      ...repo,
      findActive: (hash: string, now: Date) => Effect.suspend(() => (counted.lookups++, repo.findActive(hash, now)))
    }))
  )
  const settings = Layer.succeed(HttpSettings, { maxInFlight: 64, keyRateLimitPerMinute: perMinute })
  return { counted, services: Layer.merge(counting.pipe(Layer.provideMerge(layerMemoryServices)), settings) }
}

describe("API rate limits", () => {
  it("holds each key to API_RATE_LIMIT_PER_MINUTE with 429 rate_limited and Retry-After, other keys unaffected", async () => {
    const { services } = servicesCountingLookups(3)
    const api = makeTestApi(services)
    try {
      const company = (await api.call("POST", "/companies", { body: { name: "Busy" } })).body.id
      const key = (await api.call("POST", "/api-keys", { body: { company_id: company } })).body.key
      for (let i = 0; i < 3; i++) expect((await api.call("GET", `/companies/${company}`, { key })).status).toBe(200)
      const refused = await api.call("GET", `/companies/${company}`, { key })
      expect(refused.status, refused.text).toBe(429)
      expect(refused.body.error.code).toBe("rate_limited")
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
      const other = await api.call("POST", "/api-keys", { body: { company_id: company } })
      expect(other.status, "the admin key has a bucket of its own").toBe(201)
      expect((await api.call("GET", `/companies/${company}`, { key: other.body.key })).status).toBe(200)
    } finally {
      await api.dispose()
    }
  })

  it("refuses an address that keeps sending unknown keys before any lookup, but not a key that works", async () => {
    const { counted, services } = servicesCountingLookups(6000)
    const api = makeTestApi(services)
    try {
      const company = (await api.call("POST", "/companies", { body: { name: "Real Client" } })).body.id
      const key = (await api.call("POST", "/api-keys", { body: { company_id: company } })).body.key
      expect((await api.call("GET", `/companies/${company}`, { key })).status).toBe(200)
      for (let i = 0; i < FAILED_LOOKUPS_PER_MINUTE; i++) {
        expect((await api.call("GET", "/jobs", { key: `si_guess_${i}` })).status).toBe(401)
      }
      const before = counted.lookups
      const flooded = await api.call("GET", "/jobs", { key: "si_guess_again" })
      expect(flooded.status).toBe(429)
      expect(flooded.body.error.code).toBe("rate_limited")
      expect(Number(flooded.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
      expect(counted.lookups, "refused before any lookup").toBe(before)
      expect((await api.call("GET", `/companies/${company}`, { key })).status).toBe(200)
    } finally {
      await api.dispose()
    }
  })
})

describe("the key guard", () => {
  it("counts failed lookups per address in a window of a minute, and lets a key accepted within it through", () => {
    let now = 0
    const guard = makeKeyGuard(() => now)
    for (let i = 0; i < FAILED_LOOKUPS_PER_MINUTE; i++) {
      expect(guard.waitMs("10.0.0.1", "bad")).toBe(0)
      guard.failed("10.0.0.1")
    }
    now = 15_000
    expect(guard.waitMs("10.0.0.1", "bad")).toBe(45_000)
    expect(guard.waitMs("10.0.0.2", "bad")).toBe(0)
    guard.accepted("good")
    expect(guard.waitMs("10.0.0.1", "good")).toBe(0)
    now = 60_000
    expect(guard.waitMs("10.0.0.1", "bad")).toBe(0)
    now = 75_000
    guard.failed("10.0.0.1")
    expect(guard.waitMs("10.0.0.1", "good"), "accepted more than a minute ago").toBe(0)
  })
})
