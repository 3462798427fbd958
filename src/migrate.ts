import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { layer as layerDb } from "../layers/storage/Db.ts"
import { migrate } from "../layers/storage/migrate.ts"
import { layerPglite } from "../layers/storage/pglite.ts"
import { storageConfig } from "./Config.ts"
import { withConfig } from "./entry.ts"

/** `npm run migrate`: applies pending migrations to `DATABASE_URL`, or to the embedded database in `DATA_DIR`. */
NodeRuntime.runMain(
  withConfig(storageConfig, (config) =>
    migrate.pipe(
      Effect.tap((applied) => Console.log(applied.length === 0 ? "migrations: up to date" : `migrations applied: ${applied.join(", ")}`)),
      Effect.provide(Option.match(config.databaseUrl, {
        onNone: () => layerPglite(config.dataDir),
        onSome: (url) => layerDb({ url, max: 1 })
      }))
    )
  ),
  { disableErrorReporting: true, disablePrettyLogger: true }
)
