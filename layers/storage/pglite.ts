import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, Layer, Redacted } from "effect"
import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { Db, layer as layerDb, storageError } from "./Db.ts"

/**
 * The embedded default: PostgreSQL as WASM (PGlite) persisted in `dataDir/pglite`, reached by postgres.js through a
 * loopback socket. PGlite has one session, so the pool holds one connection.
 */
export const layer = (dataDir: string, detailedSpans = false): Layer.Layer<Db, unknown> =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const directory = join(dataDir, "pglite")
    yield* Effect.tryPromise({ try: () => mkdir(directory, { recursive: true }), catch: storageError("pglite.mkdir") })
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => PGlite.create(directory), catch: storageError("pglite.open") }),
      (db) => Effect.promise(() => db.close())
    )
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 })
          await server.start()
          return server
        },
        catch: storageError("pglite.listen")
      }),
      (server) => Effect.promise(() => server.stop())
    )
    yield* Effect.logInfo("embedded PostgreSQL started").pipe(Effect.annotateLogs({ directory }))
    return layerDb({ url: Redacted.make(`postgres://postgres@${server.getServerConn()}/postgres`), max: 1, detailedSpans })
  }))
