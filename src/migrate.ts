import { Config, Console, Effect, Layer } from "effect"
import { migrate } from "../layers/storage/migrate.ts"
import * as Storage from "../layers/storage/layer.ts"
import { databaseUrl, dataDir } from "./Config.ts"
import { runMain } from "./entry.ts"
import * as Logging from "./Logging.ts"

/** The database of `DATABASE_URL`, or the embedded one in `DATA_DIR`, over one connection. */
const layerDb = Layer.unwrapEffect(
  Effect.map(Config.all({ databaseUrl, dataDir }), (where) => Storage.layerDb({ ...where, poolMax: 1, detailedSpans: false }))
)

/** `npm run migrate`: applies pending migrations to `DATABASE_URL`, or to the embedded database in `DATA_DIR`. */
runMain(
  migrate.pipe(
    Effect.tap((applied) => Console.log(applied.length === 0 ? "migrations: up to date" : `migrations applied: ${applied.join(", ")}`)),
    Effect.provide(layerDb),
    Effect.provide(Logging.layerConfig)
  )
)
