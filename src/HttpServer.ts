import { createAdaptorServer } from "@hono/node-server"
import { Config, Context, type Duration, Effect, Layer } from "effect"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { makeApp } from "./http/app.ts"
import { integer, shutdownTimeout } from "./Config.ts"
import { idleConnectionSweep } from "./Schedules.ts"

/** Where the HTTP API listens, once it does. */
export class HttpAddress extends Context.Tag("HttpAddress")<HttpAddress, { readonly url: string }>() {}

/** Where the server listens, and how long its shutdown waits. */
export interface HttpServerOptions {
  readonly port: number
  readonly host: string
  /** How long shutdown waits for requests in flight before closing their connections. */
  readonly shutdownTimeout: Duration.Duration
}

const listen = (server: Server, options: HttpServerOptions) =>
  Effect.async<AddressInfo, Error>((resume) => {
    const onError = (error: Error) => resume(Effect.fail(new Error(`cannot listen on ${options.host}:${options.port}: ${error.message}`)))
    server.once("error", onError)
    server.listen(options.port, options.host, () => {
      server.off("error", onError)
      resume(Effect.succeed(server.address() as AddressInfo))
    })
  })

/**
 * Stops taking connections and closes each kept-alive one as soon as it is idle (Node leaves those that were busy at
 * `close` open until their keep-alive runs out); after `timeout`, closes the rest. Interruptible inside, so that the
 * race and the timeout work although a release runs uninterruptibly.
 */
const close = (server: Server, timeout: Duration.Duration) =>
  Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
  }).pipe(
    Effect.raceFirst(Effect.sync(() => server.closeIdleConnections()).pipe(Effect.repeat(idleConnectionSweep), Effect.zipRight(Effect.never))),
    Effect.timeout(timeout),
    Effect.interruptible,
    Effect.catchAll(() => Effect.sync(() => server.closeAllConnections())),
    Effect.zipRight(Effect.logInfo("http server stopped"))
  )

/** Serves the API until the scope closes; then stops taking connections and lets requests in flight finish (bounded). */
export const layer = (options: HttpServerOptions) =>
  Layer.scoped(
    HttpAddress,
    Effect.gen(function*() {
      const app = yield* makeApp
      const server = createAdaptorServer({ fetch: app.fetch }) as Server
      const address = yield* Effect.acquireRelease(listen(server, options), () => close(server, options.shutdownTimeout))
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address
      const url = `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}`
      yield* Effect.logInfo("http server listening").pipe(Effect.annotateLogs({ url }))
      return { url }
    })
  )

/** `PORT` (3000), `HOST` (127.0.0.1) and `SHUTDOWN_TIMEOUT_SECONDS`. */
export const config: Config.Config<HttpServerOptions> = Config.all({
  port: integer("PORT", 3000, 0, 65535),
  host: Config.nonEmptyString("HOST").pipe(Config.withDefault("127.0.0.1")),
  shutdownTimeout
})

/** The server where the environment says. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
