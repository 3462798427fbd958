import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import postgres from "postgres"
import { Db, layer as layerDb } from "../../layers/storage/Db.ts"
import { migrate } from "../../layers/storage/migrate.ts"
import * as Pglite from "../../layers/storage/pglite.ts"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"

/** The server the integration tests use; each test file gets a database of its own on it. */
export const TEST_SERVER_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

const databaseUrl = (name: string) => {
  const url = new URL(TEST_SERVER_URL)
  url.pathname = `/${name}`
  return url.toString()
}

const admin = <A>(f: (sql: postgres.Sql) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => postgres(TEST_SERVER_URL, { max: 1, onnotice: () => {} })),
    (sql) => Effect.promise(() => f(sql)),
    (sql) => Effect.promise(() => sql.end())
  )

/** A database made for this test file and dropped afterwards, with its URL; not migrated. */
export const freshDatabase = Effect.acquireRelease(
  Effect.gen(function*() {
    const name = `si_test_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`
    yield* admin((sql) => sql.unsafe(`create database ${name}`))
    return { name, url: databaseUrl(name) }
  }),
  ({ name }) => admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
)

const migrated = <E>(db: Layer.Layer<Db, E>) =>
  Layer.effectDiscard(Effect.orDie(migrate).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))).pipe(Layer.provideMerge(db))

/** `Db` on a fresh, migrated database that is dropped when the layer is released. */
export const layerFreshDb = (options: { readonly max?: number } = {}): Layer.Layer<Db> =>
  migrated(Layer.unwrapScoped(
    Effect.map(freshDatabase, ({ url }) => layerDb({ url: Redacted.make(url), max: options.max ?? 5 }))
  ))

/** The PostgreSQL repositories on a fresh database of their own (see `layerFreshDb`), for a contract suite. */
export const layerFreshRepositories = (options: { readonly max?: number } = {}) =>
  layerPostgresRepos.pipe(Layer.provide(layerFreshDb(options)))

/** `Db` on the embedded PGlite (as the service runs without `DATABASE_URL`) in a temporary directory, migrated. */
export const layerPgliteDb: Layer.Layer<Db, unknown> = migrated(Layer.unwrapScoped(
  Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "si-pglite-"))),
    (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true }))
  ).pipe(Effect.map((dir) => Pglite.layer(dir)), Logger.withMinimumLogLevel(LogLevel.Warning))
))
