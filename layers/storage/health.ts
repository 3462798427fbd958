import { Effect } from "effect"
import type { HealthProbe } from "../../src/services/Health.ts"
import { Db } from "./Db.ts"

/** Readiness depends on PostgreSQL answering a trivial query. */
export const postgresProbe: Effect.Effect<HealthProbe, never, Db> = Effect.map(Db, (db) => ({
  name: "postgres",
  check: db.query("health.ping", (sql) => sql`select 1`)
}))
