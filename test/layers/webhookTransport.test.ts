import { afterAll, beforeAll } from "@effect/vitest"
import { Duration, Layer } from "effect"
import { Hono } from "hono"
import { layer as layerHttpTransport } from "../../layers/webhooks/http.ts"
import { OutboundSettings } from "../../src/services/Settings.ts"
import { type ReceivedPost, SLOW, webhookTransportContract } from "../contracts/webhookTransport.contract.ts"
import { listen, type RunningFake } from "../fakes/server.ts"
import { layerRecordingTransport, type SentWebhook } from "../support/webhookReceiver.ts"

/** A receiver on 127.0.0.1 answering as the contract says, recording every POST. */
let receiver: RunningFake
const received: Array<ReceivedPost> = []
beforeAll(async () => {
  const app = new Hono()
  app.post("*", async (c) => {
    received.push({ path: c.req.path, body: await c.req.text(), headers: c.req.header() })
    if (c.req.path === "/redirect") return c.redirect("/target", 302)
    if (c.req.path === "/slow") await new Promise((resolve) => setTimeout(resolve, Duration.toMillis(SLOW)))
    return c.body(null, Number(/^\/status\/(\d+)$/.exec(c.req.path)?.[1] ?? 200) as 200)
  })
  receiver = await listen(app)
})
afterAll(() => receiver.close())

webhookTransportContract("HTTP (a local receiver)", {
  layer: layerHttpTransport.pipe(Layer.provide(Layer.succeed(OutboundSettings, { allowPrivate: true }))),
  url: () => receiver.url,
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
