import { Config, Effect, Layer, Option, type Redacted } from "effect"
import { databaseUrl, dataDir, detailedSpans, integer } from "../../src/Config.ts"
import { startupConnectRetry } from "../../src/Schedules.ts"
import * as CompanyIndexSignal from "./companyIndexSignal.ts"
import * as Db from "./Db.ts"
import { migrate } from "./migrate.ts"
import * as OutboxSignal from "./outboxSignal.ts"
import * as Pglite from "./pglite.ts"
import * as PostgresRepositories from "./postgres/layer.ts"

/** Where the database is and how it is reached. */
export interface StorageOptions {
  /** None: the embedded PGlite in `dataDir`. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly dataDir: string
  /** Connections to PostgreSQL at most. */
  readonly poolMax: number
  readonly detailedSpans: boolean
}

/** `DATABASE_URL`, `DATA_DIR`, `DB_POOL_MAX` (10), `OTEL_DETAILED_SPANS`. */
export const config: Config.Config<StorageOptions> = Config.all({
  databaseUrl,
  dataDir,
  poolMax: integer("DB_POOL_MAX", 10, 1, 200),
  detailedSpans
})

/** PostgreSQL at `databaseUrl`, or the embedded PGlite. */
export const layerDb = (options: StorageOptions) =>
  Option.match(options.databaseUrl, {
    onNone: () => Pglite.layer(options.dataDir, options.detailedSpans),
    onSome: (url) => Db.layer({ url, max: options.poolMax, detailedSpans: options.detailedSpans })
  })

/** The database, migrated before anything else may use it; while it cannot be reached, retried. */
const layerMigrated = (options: StorageOptions) =>
  Layer.effectDiscard(
    migrate.pipe(
      Effect.tapError((e) => Effect.logWarning("database not reachable yet; retrying").pipe(Effect.annotateLogs("error", e.message))),
      Effect.retry({ schedule: startupConnectRetry, while: (e) => e.unavailable })
    )
  ).pipe(Layer.provideMerge(layerDb(options)))

/** PostgreSQL's notifications; none on PGlite, where LISTEN does not work through the socket. */
const layerSignals = (options: StorageOptions) =>
  Option.isNone(options.databaseUrl)
    ? Layer.merge(OutboxSignal.layerPollOnly, CompanyIndexSignal.layerNone)
    : Layer.merge(OutboxSignal.layerListen, CompanyIndexSignal.layerListen)

/** Storage as the environment sets it: the database migrated, the repositories on it, and its notifications. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, (options) =>
  Layer.merge(PostgresRepositories.layer, layerSignals(options)).pipe(Layer.provideMerge(layerMigrated(options)))))
