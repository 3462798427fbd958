import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { Db } from "../../layers/storage/Db.ts"
import { layerFreshDb } from "../support/postgres.ts"

const db = Layer.fresh(layerFreshDb({ max: 3 }))

describe("Db on PostgreSQL", () => {
  it.live("interrupting a fiber cancels its query on the server", () =>
    Effect.gen(function*() {
      const { query } = yield* Db
      const fiber = yield* Effect.fork(query("sleep", (sql) => sql`select pg_sleep(30)`))
      yield* Effect.sleep("300 millis")
      const started = Date.now()
      yield* Fiber.interrupt(fiber)
      expect(Date.now() - started).toBeLessThan(5_000)
      const running = yield* query<ReadonlyArray<{ n: number }>>("activity", (sql) =>
        sql`select count(*)::int as n from pg_stat_activity where query like 'select pg_sleep(30)%' and state = 'active' and datname = current_database()`)
      expect(running[0]?.n).toBe(0)
    }).pipe(Effect.provide(db)))

  it.live("a transaction is carried in the fiber and its children: they see its writes, other fibers do not until commit", () =>
    Effect.gen(function*() {
      const { query, transaction } = yield* Db
      yield* query("create", (sql) => sql`create table t (n int)`)
      const count = query<ReadonlyArray<{ n: number }>>("count", (sql) => sql`select count(*)::int as n from t`).pipe(
        Effect.map((rows) => rows[0]!.n)
      )
      const outside = yield* transaction(Effect.gen(function*() {
        yield* query("insert", (sql) => sql`insert into t values (1)`)
        expect(yield* count).toBe(1)
        return yield* Effect.fork(count).pipe(Effect.flatMap(Fiber.join))
      }))
      expect(outside).toBe(1)
      const gate = yield* Deferred.make<void>()
      const observer = yield* Effect.fork(Deferred.await(gate).pipe(Effect.zipRight(count)))
      const seenOutside = yield* transaction(Effect.gen(function*() {
        yield* query("insert", (sql) => sql`insert into t values (2)`)
        yield* Deferred.succeed(gate, undefined)
        return yield* Fiber.join(observer)
      }))
      expect(seenOutside).toBe(1)
      expect(yield* count).toBe(2)
      yield* Effect.flip(transaction(query("insert", (sql) => sql`insert into t values (3)`).pipe(Effect.zipRight(Effect.fail("x")))))
      expect(yield* count).toBe(2)
    }).pipe(Effect.provide(db)))
})
