import { HttpClientRequest } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as Outbound from "../../layers/outbound.ts"
import { makeProviderHttp } from "../../layers/providers/http.ts"
import { layer as layerWebhookTransport } from "../../layers/webhooks/http.ts"
import { OutboundSettings } from "../../src/services/Settings.ts"
import { WebhookTransport } from "../../src/services/Webhooks.ts"

/** A receiver that redirects, answers over 1 MiB (streamed, with no length given), or answers `{}`. */
let server: Server
let url: string
const hits = new Map<string, number>()
beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? "/"
    hits.set(path, (hits.get(path) ?? 0) + 1)
    if (path === "/redirect") return void response.writeHead(302, { location: "/target" }).end()
    if (path === "/big") {
      response.writeHead(200, { "content-type": "application/json" })
      const chunk = `"${"x".repeat(64 * 1024)}",`
      response.write("[")
      for (let i = 0; i < 20; i++) response.write(chunk)
      return void response.end("0]")
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  }))

const settings = (allowPrivate: boolean) => Layer.succeed(OutboundSettings, { allowPrivate })

const providerCall = (path: string, { allowPrivate = true, baseUrl = url } = {}) =>
  Effect.gen(function*() {
    const http = yield* makeProviderHttp({ provider: "acme", baseUrl, timeout: Duration.seconds(5) })
    return yield* http.call(HttpClientRequest.get(path), Schema.Unknown, { name: "read", idempotent: false })
  }).pipe(Effect.provide(Outbound.layer.pipe(Layer.provide(settings(allowPrivate)))))

const webhookPost = (path: string, { allowPrivate = true, baseUrl = url } = {}) =>
  Effect.flatMap(WebhookTransport, (transport) =>
    transport.post({ url: `${baseUrl}${path}`, body: "{}", headers: {}, timeout: Duration.seconds(5) })).pipe(
      Effect.provide(layerWebhookTransport.pipe(Layer.provide(settings(allowPrivate))))
    )

describe("outbound calls", () => {
  it.live("a provider's redirect is a permanent error naming its status, and is not followed", () =>
    Effect.gen(function*() {
      hits.clear()
      const error = yield* Effect.flip(providerCall("/redirect"))
      expect(error).toMatchObject({ kind: "permanent", status: 302, message: expect.stringContaining("acme answered 302") })
      expect(hits.get("/target")).toBeUndefined()
    }))

  it.live("a provider's answer over 1 MiB fails the call as a retryable bad answer", () =>
    Effect.gen(function*() {
      expect(yield* providerCall("/ok")).toEqual({})
      const error = yield* Effect.flip(providerCall("/big"))
      expect(error).toMatchObject({ kind: "retryable", message: "acme read: the answer was over 1 MiB" })
    }))

  it.live("a webhook receiver's answer over 1 MiB is a transport error", () =>
    Effect.gen(function*() {
      expect(yield* webhookPost("/ok")).toEqual({ status: 200 })
      const error = yield* Effect.flip(webhookPost("/big"))
      expect(error).toMatchObject({ _tag: "WebhookTransportError", message: "the answer was over 1 MiB" })
    }))

  it.live("without OUTBOUND_ALLOW_PRIVATE a name resolving to 127.0.0.1 is refused at connect time, as are http:// and private IPs", () =>
    Effect.gen(function*() {
      hits.clear()
      const port = new URL(url).port
      const byName = yield* Effect.flip(providerCall("/ok", { allowPrivate: false, baseUrl: `https://localhost:${port}` }))
      expect(byName).toMatchObject({ kind: "retryable", message: expect.stringMatching(/^acme read: address (127\.0\.0\.1|::1) is loopback; set OUTBOUND_ALLOW_PRIVATE=true to allow it$/) })
      const literal = yield* Effect.flip(webhookPost("/ok", { allowPrivate: false, baseUrl: "https://10.0.0.5" }))
      expect(literal.message).toBe("address 10.0.0.5 is private; set OUTBOUND_ALLOW_PRIVATE=true to allow it")
      const mapped = yield* Effect.flip(webhookPost("/ok", { allowPrivate: false, baseUrl: `https://[::ffff:127.0.0.1]:${port}` }))
      expect(mapped.message).toMatch(/^address ::ffff:(127\.0\.0\.1|7f00:1) is loopback/)
      const plain = yield* Effect.flip(webhookPost("/ok", { allowPrivate: false, baseUrl: "http://example.com" }))
      expect(plain.message).toBe("http:// URLs are refused; use https:// or set OUTBOUND_ALLOW_PRIVATE=true")
      expect(hits.size).toBe(0)
    }))

  it.live("with OUTBOUND_ALLOW_PRIVATE a name resolving to 127.0.0.1 is reached over http", () =>
    Effect.gen(function*() {
      const port = new URL(url).port
      expect(yield* providerCall("/ok", { baseUrl: `http://localhost:${port}` })).toEqual({})
      expect(yield* webhookPost("/ok", { baseUrl: `http://localhost:${port}` })).toEqual({ status: 200 })
    }))
})
