import { Effect } from "effect"
import { readdir, readFile } from "node:fs/promises"
import { Db, storageError } from "./Db.ts"

/** Any fixed number: every process that migrates this database takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 7_426_301_118

const migrationsDir = new URL("../../migrations/", import.meta.url)

export interface Migration {
  readonly version: string
  readonly sql: string
}

/** The SQL files of `migrations/`, in the order of their names. */
export const readMigrations = Effect.tryPromise({
  try: async () => {
    const names = (await readdir(migrationsDir)).filter((name) => name.endsWith(".sql")).sort()
    return Promise.all(names.map(async (name): Promise<Migration> => ({
      version: name.replace(/\.sql$/, ""),
      sql: await readFile(new URL(name, migrationsDir), "utf8")
    })))
  },
  catch: storageError("migrations.read")
})

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction, under an advisory lock
 * so that processes starting together apply each one once. Answers the versions it applied.
 */
export const migrate = Effect.gen(function*() {
  const { sql } = yield* Db
  const migrations = yield* readMigrations
  const run = <A>(operation: string, f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: storageError(operation) })
  return yield* Effect.acquireUseRelease(
    run("migrations.reserve", () => sql.reserve()),
    (conn) =>
      Effect.gen(function*() {
        yield* run("migrations.lock", () => conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`)
        yield* run("migrations.table", () =>
          conn`create table if not exists schema_migrations (
            version text primary key,
            applied_at timestamptz not null default now()
          )`)
        const rows = yield* run("migrations.applied", () => conn<{ version: string }[]>`select version from schema_migrations`)
        const applied = new Set(rows.map((r) => r.version))
        const fresh = migrations.filter((m) => !applied.has(m.version))
        for (const migration of fresh) {
          yield* run(`migrations.apply ${migration.version}`, async () => {
            await conn`begin`
            try {
              await conn.unsafe(migration.sql)
              await conn`insert into schema_migrations (version) values (${migration.version})`
              await conn`commit`
            } catch (cause) {
              await conn`rollback`.catch(() => undefined)
              throw cause
            }
          })
          yield* Effect.logInfo("migration applied").pipe(Effect.annotateLogs("version", migration.version))
        }
        return fresh.map((m) => m.version)
      }),
    (conn) =>
      run("migrations.unlock", () => conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).pipe(
        Effect.ignore,
        Effect.ensuring(Effect.sync(() => conn.release()))
      )
  )
})
