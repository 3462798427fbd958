import { Effect, Layer } from "effect"
import { HealthProbes } from "../../src/services/Health.ts"
import { Db } from "./Db.ts"

/** Readiness depends on PostgreSQL answering a trivial query. */
export const layerPostgresHealth = Layer.effect(
  HealthProbes,
  Effect.map(Db, (db) => [{ name: "postgres", check: db.query("health.ping", (sql) => sql`select 1`) }])
)
