import { Context, Effect, FiberRef, Layer, Redacted, Runtime } from "effect"
import postgres from "postgres"
import { StorageError } from "../../src/services/StorageError.ts"
import { type MakePool, makeSessions, openPool, openSession, type Session, type Sessions } from "./sessions.ts"

export type Sql = postgres.Sql
export type Row = Record<string, unknown>

/** The session of the transaction the current fiber runs in, if any. */
const currentTransaction = FiberRef.unsafeMake<Session | null>(null)

/**
 * Error codes that mean the database could not be reached or did not finish, as opposed to a query that is wrong.
 * 57014 (query canceled) is here because cancellation goes by server process: a cancel sent as a query finishes can
 * hit the next query on that connection, which then deserves a retry, not a 500.
 */
const unreachableCodes = new Set([
  "57014",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
  "53300"
])

const isUnreachable = (cause: unknown): boolean => {
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === "string" && (unreachableCodes.has(code) || code.startsWith("08"))
}

export const storageError = (operation: string) => (cause: unknown) =>
  new StorageError({ operation, unavailable: isUnreachable(cause), cause })

/**
 * A thin layer over postgres.js. Queries run on the current fiber's transaction when there is one, so programs never
 * pass a handle around; interrupting a fiber cancels its query.
 */
export class Db extends Context.Tag("Db")<Db, {
  /** Runs one statement, named for its span and errors. */
  readonly query: <A extends ReadonlyArray<unknown> = ReadonlyArray<Row>>(
    operation: string,
    statement: (sql: Sql) => postgres.PendingQuery<any>
  ) => Effect.Effect<A, StorageError>
  /** Runs `self` in one transaction, or in the enclosing one when already inside. */
  readonly transaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /** As `transaction`, on the session kept apart, so it never waits behind the others (for one caller at a time). */
  readonly transactionAhead: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /** As `transactionAhead`, on another session kept apart: intake's. */
  readonly transactionIntake: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /** The pool itself, for work that needs its own session (migrations, LISTEN). */
  readonly sql: Sql
}>() {}

/**
 * Cancels a statement on the server. The cancel request goes on a connection of its own, refused while the server is
 * down, which is of no consequence then (the statement's connection goes down too); but `PendingQuery.cancel()` drops
 * the promise of that request (postgres.js 3.4), so a refusal would be an unhandled rejection and end the process.
 * Hence the query's canceller is called here, with its outcome handled.
 */
const cancelQuietly = (pending: postgres.PendingQuery<any>) => {
  const query = pending as unknown as { canceller: ((query: unknown) => Promise<void>) | null; state: unknown }
  // Not sent yet: left to run when its turn comes, its answer dropped. postgres.js would take it off its queue, but
  // when it is the first statement of a connection still opening, it marks it canceled and that connection never
  // becomes usable (3.4): a pool of one would wait forever.
  if (query.state === null) return
  const canceller = query.canceller
  query.canceller = null
  canceller?.(pending).catch(() => {})
}

const runStatement = <A>(sql: Sql, operation: string, statement: (sql: Sql) => postgres.PendingQuery<any>) =>
  Effect.async<A, StorageError>((resume) => {
    const pending = statement(sql)
    pending.then(
      (rows) => resume(Effect.succeed(rows as A)),
      (cause: unknown) => resume(Effect.fail(storageError(operation)(cause)))
    )
    return Effect.sync(() => cancelQuietly(pending))
  })

/** The database and server a span names (OpenTelemetry database conventions). */
const connectionAttributes = (sql: Sql) => {
  const { database, host, port } = sql.options
  return {
    "db.system.name": "postgresql",
    "db.namespace": database,
    ...(host[0] === undefined ? {} : { "server.address": host[0] }),
    ...(port[0] === undefined ? {} : { "server.port": port[0] })
  }
}

const connectionClosed = (operation: string) =>
  new StorageError({ operation, unavailable: true, cause: new Error("the transaction's connection closed") })

/** Runs a statement of the session's transaction, unless its connection has closed (and the transaction with it). */
const runInTransaction = <A>(session: Session, operation: string, statement: (sql: Sql) => postgres.PendingQuery<any>) =>
  Effect.suspend(() =>
    session.closed() ? Effect.fail(connectionClosed(operation)) : runStatement<A>(session.sql, operation, statement)
  )

/**
 * Where statements run: outside transactions on the shared pool, or, when `sharedIsASession` (a pool of one, as
 * PGlite's single session needs), on that one session, lent to one statement or transaction at a time.
 */
export interface Pools {
  readonly shared: Sql
  readonly sessions: Sessions
  readonly sharedIsASession: boolean
  /** A span for every statement and transaction (`OTEL_DETAILED_SPANS`); without it they run inside their caller's span. */
  readonly detailedSpans?: boolean
}

export const make = ({ detailedSpans = false, sessions, shared, sharedIsASession }: Pools): Context.Tag.Service<Db> => {
  const connection = connectionAttributes(shared)
  const runOutside = <A>(operation: string, statement: (sql: Sql) => postgres.PendingQuery<any>) =>
    sharedIsASession
      ? sessions.use((session) => runStatement<A>(session.sql, operation, statement))
      : runStatement<A>(shared, operation, statement)
  // An operation is named `<table or repository>.<operation>`: the span is `<operation> <table>`.
  const query = <A extends ReadonlyArray<unknown>>(operation: string, statement: (sql: Sql) => postgres.PendingQuery<any>) => {
    const [collection, name = collection] = operation.split(".", 2) as [string, string?]
    const run = Effect.flatMap(FiberRef.get(currentTransaction), (session) =>
      session === null ? runOutside<A>(operation, statement) : runInTransaction<A>(session, operation, statement))
    // No stack trace: the span's name already says which statement it is, and one captured for every statement would
    // cost on every query.
    return detailedSpans
      ? Effect.withSpan(run, name === collection ? operation : `${name} ${collection}`, {
        captureStackTrace: false,
        kind: "client",
        attributes: { ...connection, "db.operation.name": name, "db.collection.name": collection }
      })
      : run
  }

  const inTransaction = <A, E, R>(session: Session, self: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.suspend(() => {
        session.begin()
        return runStatement(session.sql, "begin", (c) => c`begin`)
      }),
      () =>
        Effect.gen(function*() {
          const result = yield* Effect.locally(self, currentTransaction, session)
          yield* runInTransaction(session, "commit", (c) => c`commit`)
          return result
        }),
      (_, exit) =>
        exit._tag === "Success" ? Effect.void : runInTransaction(session, "rollback", (c) => c`rollback`).pipe(Effect.ignore)
    )

  const transactionOn = (lend: Sessions["use"]) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | StorageError, R> =>
    Effect.flatMap(FiberRef.get(currentTransaction), (outer) =>
      outer !== null
        ? self
        : detailedSpans
        ? lend((session) => inTransaction(session, self)).pipe(Effect.withSpan("db transaction", { captureStackTrace: false }))
        : lend((session) => inTransaction(session, self)))

  return {
    query,
    transaction: transactionOn(sessions.use),
    transactionAhead: transactionOn(sessions.useAhead),
    transactionIntake: transactionOn(sessions.useIntake),
    sql: shared
  }
}

export interface DbOptions {
  readonly url: Redacted.Redacted<string>
  /** Pool size; 1 for PGlite, which has a single session. */
  readonly max: number
  /** See `Pools.detailedSpans`. */
  readonly detailedSpans?: boolean
}

/**
 * How long a connection that failed waits before it connects again, by attempt: up to 1 s, not postgres.js's 20 s,
 * since statements wait for it (a request would hang through most of an outage instead of answering 503).
 */
const reconnectDelaySeconds = (attempt: number) => Math.min(0.1 * 2 ** attempt, 1)

/**
 * postgres.js 3.4 drops promises of its own on its reconnect paths (the cancel request of `PendingQuery.cancel`, the
 * type fetch of a new connection), so a connection error there is an unhandled rejection, which Node answers by ending
 * the process: seen while PostgreSQL restarts under load. While the pools are open, such a rejection, a connection
 * error, is logged and passed over (what it concerned has failed or will be tried again); any other is thrown again,
 * which ends the process as Node would have.
 */
const passOverDroppedConnectionErrors = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<never>()
  const onRejection = (reason: unknown) => {
    if (!isUnreachable(reason)) throw reason
    Runtime.runSync(runtime)(
      Effect.logWarning("a PostgreSQL connection error went unhandled in postgres.js; passed over").pipe(
        Effect.annotateLogs("error", String(reason))
      )
    )
  }
  yield* Effect.acquireRelease(
    Effect.sync(() => process.on("unhandledRejection", onRejection)),
    () => Effect.sync(() => process.off("unhandledRejection", onRejection))
  )
})

/**
 * `max` connections in all: half of them (rounded down) transaction sessions, the rest the shared pool but one kept for
 * intake's transactions once that leaves the pool two; with `max` 1, one connection serving all.
 */
export const layer = (options: DbOptions): Layer.Layer<Db> =>
  Layer.scoped(
    Db,
    Effect.gen(function*() {
      yield* passOverDroppedConnectionErrors
      const makePool: MakePool = (max, onclose) =>
        postgres(Redacted.value(options.url), {
          max,
          connect_timeout: 5,
          idle_timeout: 60,
          backoff: reconnectDelaySeconds,
          onnotice: () => {},
          ...(onclose === undefined ? {} : { onclose })
        })
      if (options.max === 1) {
        const session = yield* openSession(makePool, { renew: false })
        return make({
          shared: session.sql,
          sessions: yield* makeSessions([session]),
          sharedIsASession: true,
          detailedSpans: options.detailedSpans ?? false
        })
      }
      // Half the connections for transactions, one of them kept apart once there are two (see `transactionAhead`); of
      // the other half, one kept for intake (see `transactionIntake`) once at least two remain for the shared pool.
      const sessionCount = Math.floor(options.max / 2)
      const sharedCount = options.max - sessionCount
      const openRenewing = openSession(makePool, { renew: true })
      const intake = sharedCount >= 3 ? yield* openRenewing : undefined
      const shared = yield* openPool(makePool, intake === undefined ? sharedCount : sharedCount - 1)
      const sessions = yield* Effect.replicateEffect(openRenewing, sessionCount)
      const [ahead, ...lent] = sessions
      const lending = sessionCount >= 2 ? makeSessions(lent, { ahead, intake }) : makeSessions(sessions, { intake })
      return make({ shared, sessions: yield* lending, sharedIsASession: false, detailedSpans: options.detailedSpans ?? false })
    })
  )
