import { afterAll, beforeAll } from "@effect/vitest"
import { Duration, Layer } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { layer as layerHttpTransport } from "../../layers/webhooks/http.ts"
import { OutboundSettings } from "../../src/services/Settings.ts"
import { type ReceivedPost, SLOW, webhookTransportContract } from "../contracts/webhookTransport.contract.ts"
import { layerRecordingTransport, type SentWebhook } from "../support/webhookReceiver.ts"

/** A receiver on 127.0.0.1 answering as the contract says, recording every POST. */
let server: Server
let url: string
const received: Array<ReceivedPost> = []
beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const path = request.url ?? "/"
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
      received.push({ path, body: Buffer.concat(chunks).toString("utf8"), headers })
      if (path === "/redirect") return void response.writeHead(302, { location: "/target" }).end()
      if (path === "/slow") return void setTimeout(() => response.writeHead(200).end(), Duration.toMillis(SLOW))
      response.writeHead(Number(/^\/status\/(\d+)$/.exec(path)?.[1] ?? 404)).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  }))

webhookTransportContract("HTTP (a local receiver)", {
  layer: layerHttpTransport.pipe(Layer.provide(Layer.succeed(OutboundSettings, { allowPrivate: true }))),
  url: () => url,
  // Port 1 on the loopback: nothing listens there, so the connection is refused.
  unreachableUrl: () => "http://127.0.0.1:1",
  received: () => received
})

const MEMORY_URL = "https://receiver.test"
const sent: Array<SentWebhook> = []

webhookTransportContract("in memory (the programs' tests' twin)", {
  layer: layerRecordingTransport(sent, (request) => {
    if (!request.url.startsWith(MEMORY_URL)) return "unreachable"
    const path = request.url.slice(MEMORY_URL.length)
    if (path === "/redirect") return 302
    if (path === "/slow") return { status: 200, after: SLOW }
    return Number(/^\/status\/(\d+)$/.exec(path)?.[1] ?? 404)
  }),
  url: () => MEMORY_URL,
  unreachableUrl: () => "https://unreachable.test",
  received: () =>
    sent.map((s) => ({
      path: s.url.slice(MEMORY_URL.length),
      body: s.body,
      headers: Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k.toLowerCase(), v]))
    }))
})
