/**
 * Run by test/integration/outbound.deno.test.ts on Deno: calls a local server through the outbound HttpClient, guarded
 * (a name that resolves to loopback, over https) and with OUTBOUND_ALLOW_PRIVATE (plain http), and prints what each
 * call came to as one JSON line.
 */
import { HttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Outbound from "../../layers/outbound.ts"
import { OutboundSettings } from "../../src/services/Settings.ts"

let requests = 0
const server = createServer((_, res) => {
  requests++
  res.end("reached")
}).listen(0, "127.0.0.1")
await new Promise((resolve) => server.on("listening", resolve))
const { port } = server.address() as AddressInfo

const get = (url: string, allowPrivate: boolean) =>
  Effect.runPromise(Effect.flatMap(HttpClient.HttpClient, (client) => Effect.flatMap(client.get(url), (answer) => answer.text)).pipe(
    Effect.catchTag("RequestError", (error) => Effect.succeed(`refused: ${Outbound.failureMessage(error)}`)),
    Effect.provide(Outbound.layer.pipe(Layer.provide(Layer.succeed(OutboundSettings, { allowPrivate }))))
  ))

const guarded = await get(`https://localhost:${port}/`, false)
const requestsWhenGuarded = requests
const allowed = await get(`http://localhost:${port}/`, true)
console.log(JSON.stringify({ runtime: "Deno" in globalThis ? "deno" : "node", guarded, requestsWhenGuarded, allowed }))
server.close()
