import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Redacted } from "effect"
import { Db, layer as layerDb } from "../../layers/storage/Db.ts"
import { migrate, readMigrations } from "../../layers/storage/migrate.ts"
import { freshDatabase } from "../support/postgres.ts"

describe("migrations on PostgreSQL", () => {
  it.live("applies every migration once when several processes start together, and nothing the second time", () =>
    Effect.gen(function*() {
      const { url } = yield* freshDatabase
      const asProcess = migrate.pipe(Effect.provide(layerDb({ url: Redacted.make(url), max: 2 })))
      const results = yield* Effect.all([asProcess, asProcess, asProcess, asProcess], { concurrency: "unbounded" })
      const all = (yield* readMigrations).map((m) => m.version)
      expect(results.flat().sort()).toEqual(all)
      expect(yield* asProcess).toEqual([])
      const recorded = yield* Effect.flatMap(Db, (db) =>
        db.query<ReadonlyArray<{ version: string }>>("versions", (sql) => sql`select version from schema_migrations order by version`)
      ).pipe(Effect.provide(layerDb({ url: Redacted.make(url), max: 1 })))
      expect(recorded.map((r) => r.version)).toEqual(all)
    }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning)))
})
