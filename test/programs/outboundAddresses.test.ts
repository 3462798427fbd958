import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { layerAddresses } from "../../layers/outbound.ts"
import { createCompany } from "../../programs/companies.ts"
import { createWebhook } from "../../programs/webhooks.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CurrentPrincipal } from "../../src/services/CurrentPrincipal.ts"
import { OutboundSettings } from "../../src/services/Settings.ts"
import { WebhookRepo } from "../../src/services/Webhooks.ts"
import { layerMemoryServices } from "../support/services.ts"

const asAdmin = Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null })

/** The memory services with the outbound rules on (OUTBOUND_ALLOW_PRIVATE unset). */
const strict = Layer.merge(
  layerMemoryServices,
  layerAddresses.pipe(Layer.provide(Layer.succeed(OutboundSettings, { allowPrivate: false })))
)

const company = (apiBaseUrl: string) => ({
  name: "Acme Plumbing",
  status: "active" as const,
  rateLimitPerMinute: 50,
  deliveryConcurrency: 2,
  skills: [],
  provider: { type: "housecallpro" as const, config: { api_base_url: apiBaseUrl }, credentials: { api_key: "k" }, active: true }
})

describe("registering a URL the outbound rules refuse", () => {
  it.effect("a webhook URL resolving to loopback, or plain http, is refused with a 422 naming url", () =>
    Effect.gen(function*() {
      const byName = yield* Effect.flip(asAdmin(createWebhook({ url: "https://localhost/hook", events: ["routing.synced"], companyId: null })))
      expect(byName).toMatchObject({
        _tag: "InvalidReference",
        details: [{ path: "url", message: expect.stringMatching(/^address (127\.0\.0\.1|::1) is loopback; set OUTBOUND_ALLOW_PRIVATE=true/) }]
      })
      const plain = yield* Effect.flip(asAdmin(createWebhook({ url: "http://receiver.test/hook", events: ["routing.synced"], companyId: null })))
      expect(plain).toMatchObject({ _tag: "InvalidReference", details: [{ path: "url", message: expect.stringContaining("http:// URLs are refused") }] })
    }).pipe(Effect.provide(strict)))

  it.effect("a provider base URL at a private address is refused with a 422 naming config.api_base_url", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(asAdmin(createCompany(company("https://10.0.0.5"))))
      expect(refused).toMatchObject({
        _tag: "InvalidReference",
        details: [{ path: "config.api_base_url", message: "address 10.0.0.5 is private; set OUTBOUND_ALLOW_PRIVATE=true to allow it" }]
      })
    }).pipe(Effect.provide(strict)))

  it.effect("with OUTBOUND_ALLOW_PRIVATE the same URLs are registered", () =>
    Effect.gen(function*() {
      const { hook } = yield* asAdmin(createWebhook({ url: "http://localhost/hook", events: ["routing.synced"], companyId: null }))
      const created = yield* asAdmin(createCompany(company("https://10.0.0.5")))
      const storedHook = yield* (yield* WebhookRepo).get(hook.id)
      expect(Option.map(storedHook, (h) => h.url)).toEqual(Option.some("http://localhost/hook"))
      const storedCompany = yield* (yield* CompanyRepo).get(created.id)
      expect(Option.map(storedCompany, (c) => c.provider?.config)).toEqual(Option.some({ api_base_url: "https://10.0.0.5" }))
    }).pipe(Effect.provide(layerMemoryServices)))
})
