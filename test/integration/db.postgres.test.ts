import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { createConnection, createServer, type Socket } from "node:net"
import { Db, layer as layerDb } from "../../layers/storage/Db.ts"
import { freshDatabase, layerFreshDb } from "../support/postgres.ts"

/**
 * A TCP relay to the test server whose listener can be closed while the connections made stay up: the server is
 * then unreachable for new connections only (as for a cancel request when it is down).
 */
const relayToServer = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly refuseNew: () => void; readonly sockets: Set<Socket> }>((resume) => {
    const sockets = new Set<Socket>()
    const server = createServer((client) => {
      const upstream = createConnection({ host: "127.0.0.1", port: 5432 })
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on("error", () => socket.destroy())
      }
      client.pipe(upstream).pipe(client)
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({
        port: (server.address() as { port: number }).port,
        refuseNew: () => server.close(),
        sockets
      })))
  }),
  ({ refuseNew, sockets }) =>
    Effect.sync(() => {
      refuseNew()
      for (const socket of sockets) socket.destroy()
    })
)

const db = Layer.fresh(layerFreshDb({ max: 3 }))

describe("Db on PostgreSQL", () => {
  it.live("interrupting a fiber cancels its query on the server", () =>
    Effect.gen(function*() {
      const { query } = yield* Db
      const fiber = yield* Effect.fork(query("sleep", (sql) => sql`select pg_sleep(30)`))
      yield* Effect.sleep("300 millis")
      const started = Date.now()
      yield* Fiber.interrupt(fiber)
      // Half the sleep: the interruption did not wait for the query to end (however busy the machine).
      expect(Date.now() - started).toBeLessThan(15_000)
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

  it.live("a transaction ahead runs on the session kept apart while every other one is taken and queued for", () =>
    Effect.gen(function*() {
      const { query, transaction, transactionAhead } = yield* Db
      const select = (n: number) => query<ReadonlyArray<{ n: number }>>("select", (sql) => sql`select ${n}::int as n`)
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // DB_POOL_MAX 4: two sessions, one lent (held here) and one kept apart.
      const holder = yield* Effect.fork(transaction(
        select(1).pipe(Effect.zipRight(Deferred.succeed(holding, undefined)), Effect.zipRight(Deferred.await(release)))
      ))
      yield* Deferred.await(holding)
      const queued = yield* Effect.fork(transaction(select(2)))
      expect(yield* transactionAhead(select(3))).toEqual([{ n: 3 }])
      expect(yield* Fiber.poll(queued)).toEqual(Option.none())
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      expect(yield* Fiber.join(queued)).toEqual([{ n: 2 }])
    }).pipe(Effect.provide(Layer.fresh(layerFreshDb({ max: 4 })))))

  it.live("intake's transaction runs on a session of its own while every lent one is taken and the one ahead is too", () =>
    Effect.gen(function*() {
      const { query, transaction, transactionAhead, transactionIntake } = yield* Db
      const select = (n: number) => query<ReadonlyArray<{ n: number }>>("select", (sql) => sql`select ${n}::int as n`)
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const hold = (run: typeof transaction) =>
        Effect.fork(run(select(1).pipe(Effect.zipRight(Deferred.succeed(holding, undefined)), Effect.zipRight(Deferred.await(release)))))
      // DB_POOL_MAX 5: two sessions (one lent, one kept apart), and of the three others one kept for intake.
      const holders = [yield* hold(transaction), yield* hold(transactionAhead)]
      yield* Deferred.await(holding)
      const queued = yield* Effect.fork(transaction(select(2)))
      expect(yield* transactionIntake(select(3))).toEqual([{ n: 3 }])
      expect(yield* Fiber.poll(queued)).toEqual(Option.none())
      yield* Deferred.succeed(release, undefined)
      yield* Effect.forEach(holders, Fiber.join)
      expect(yield* Fiber.join(queued)).toEqual([{ n: 2 }])
    }).pipe(Effect.provide(Layer.fresh(layerFreshDb({ max: 5 })))))

  it.live("a transaction whose connection the server ends fails as unavailable, and the pool goes on working", () =>
    Effect.gen(function*() {
      const { query, sql, transaction } = yield* Db
      const backendPid = query<ReadonlyArray<{ pid: number }>>("pid", (sql) => sql`select pg_backend_pid() as pid`).pipe(
        Effect.map((rows) => rows[0]!.pid)
      )
      const terminate = (pid: number) => Effect.promise(() => sql`select pg_terminate_backend(${pid})`)
      // Ended between two statements: the next one is not sent on the dead connection.
      const idle = yield* Effect.flip(transaction(Effect.gen(function*() {
        yield* terminate(yield* backendPid)
        yield* Effect.sleep("200 millis")
        yield* query("after", (sql) => sql`select ${"x".repeat(2_000)}::text`)
      })))
      expect(idle).toMatchObject({ _tag: "StorageError", unavailable: true })
      // Ended while a statement runs.
      const busy = yield* Effect.flip(transaction(Effect.gen(function*() {
        const pid = yield* backendPid
        yield* Effect.fork(Effect.sleep("200 millis").pipe(Effect.zipRight(terminate(pid))))
        yield* query("sleep", (sql) => sql`select pg_sleep(5)`)
      })))
      expect(busy).toMatchObject({ _tag: "StorageError", unavailable: true })
      // postgres.js keeps the error of a statement cut off by a closed connection and hands it to the first statement
      // of the new connection: a transaction there may fail once, as unavailable, like any caught in an outage.
      const results = yield* Effect.all(
        Array.from({ length: 6 }, (_, i) =>
          transaction(query<ReadonlyArray<{ n: number }>>("n", (sql) => sql`select ${i}::int as n`)).pipe(
            Effect.retry({ times: 1, while: (error) => error.unavailable })
          )),
        { concurrency: 6 }
      ).pipe(Effect.timeout("5 seconds"))
      expect(results.map((rows) => rows[0]!.n)).toEqual([0, 1, 2, 3, 4, 5])
    }).pipe(Effect.provide(db)))

  it.live("a statement interrupted before its connection opens leaves that connection usable", () =>
    Effect.gen(function*() {
      const { name } = yield* freshDatabase
      const url = Redacted.make(`postgres://postgres@127.0.0.1:5432/${name}`)
      // DB_POOL_MAX 1: one connection, not open yet; the statement is the first it is to send.
      const { query } = Context.get(yield* Layer.build(layerDb({ url, max: 1 })), Db)
      const select = (n: number) => query<ReadonlyArray<{ n: number }>>("select", (sql) => sql`select ${n}::int as n`)
      const first = yield* Effect.fork(select(1))
      yield* Effect.sleep("1 millis")
      yield* Fiber.interrupt(first)
      expect(yield* select(2).pipe(Effect.timeout("3 seconds"))).toEqual([{ n: 2 }])
    }).pipe(Effect.scoped))

  it.live("after its connection is cut off mid-statement, a session's next transaction starts clean on a new one", () =>
    Effect.gen(function*() {
      const { query, sql, transactionIntake } = yield* Db
      const pid = yield* transactionIntake(query<ReadonlyArray<{ pid: number }>>("pid", (sql) => sql`select pg_backend_pid() as pid`))
      const cut = yield* Effect.flip(transactionIntake(Effect.gen(function*() {
        yield* Effect.fork(Effect.sleep("200 millis").pipe(Effect.zipRight(Effect.promise(() => sql`select pg_terminate_backend(${pid[0]!.pid})`))))
        yield* query("sleep", (sql) => sql`select pg_sleep(5)`)
      })))
      expect(cut).toMatchObject({ _tag: "StorageError", unavailable: true })
      const next = yield* transactionIntake(query<ReadonlyArray<{ n: number }>>("n", (sql) => sql`select 7::int as n`)).pipe(
        Effect.timeout("5 seconds")
      )
      expect(next).toEqual([{ n: 7 }])
    }).pipe(Effect.provide(Layer.fresh(layerFreshDb({ max: 5 })))))

  it.live("interrupting a query when a cancel request cannot reach the server leaves the process up", () => {
    const warnings: Array<unknown> = []
    const collectLogs = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => warnings.push(message)))
    return Effect.gen(function*() {
      const { name } = yield* freshDatabase
      const relay = yield* relayToServer
      const url = Redacted.make(`postgres://postgres@127.0.0.1:${relay.port}/${name}`)
      const { query } = Context.get(yield* Layer.build(layerDb({ url, max: 2 })), Db)
      const fiber = yield* Effect.fork(query("sleep", (sql) => sql`select pg_sleep(2)`))
      yield* Effect.sleep("300 millis")
      relay.refuseNew()
      yield* Fiber.interrupt(fiber)
      // A cancel refused unhandled would end the process; the Db layer's last resort would pass it over with a
      // warning, so the refusal must not reach even that.
      yield* Effect.sleep("300 millis")
      expect(warnings).toEqual([])
    }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning), Effect.provide(collectLogs))
  })
})
