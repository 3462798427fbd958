import { Context, Effect, FiberRef, Layer, Redacted } from "effect"
import postgres from "postgres"
import { StorageError } from "../../src/services/StorageError.ts"

export type Sql = postgres.Sql
export type Row = Record<string, unknown>

/** The connection of the transaction the current fiber runs in, if any. */
const currentTransaction = FiberRef.unsafeMake<Sql | null>(null)

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
  /** The pool itself, for work that needs its own session (migrations, LISTEN). */
  readonly sql: Sql
}>() {}

const runStatement = <A>(sql: Sql, operation: string, statement: (sql: Sql) => postgres.PendingQuery<any>) =>
  Effect.async<A, StorageError>((resume) => {
    const pending = statement(sql)
    pending.then(
      (rows) => resume(Effect.succeed(rows as A)),
      (cause: unknown) => resume(Effect.fail(storageError(operation)(cause)))
    )
    return Effect.sync(() => pending.cancel())
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

export const make = (sql: Sql): Context.Tag.Service<Db> => {
  const connection = connectionAttributes(sql)
  // An operation is named `<table or repository>.<operation>`: the span is `<operation> <table>`.
  const query = <A extends ReadonlyArray<unknown>>(operation: string, statement: (sql: Sql) => postgres.PendingQuery<any>) => {
    const [collection, name = collection] = operation.split(".", 2) as [string, string?]
    return FiberRef.get(currentTransaction).pipe(
      Effect.flatMap((tx) => runStatement<A>(tx ?? sql, operation, statement)),
      Effect.withSpan(name === collection ? operation : `${name} ${collection}`, {
        kind: "client",
        attributes: { ...connection, "db.operation.name": name, "db.collection.name": collection }
      })
    )
  }

  const transaction = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | StorageError, R> =>
    Effect.flatMap(FiberRef.get(currentTransaction), (outer) =>
      outer !== null
        ? self
        : Effect.acquireUseRelease(
          Effect.tryPromise({ try: () => sql.reserve(), catch: storageError("transaction.reserve") }),
          (conn) =>
            Effect.gen(function*() {
              yield* runStatement(conn, "begin", (c) => c`begin`)
              const result = yield* Effect.locally(self, currentTransaction, conn)
              yield* runStatement(conn, "commit", (c) => c`commit`)
              return result
            }),
          (conn, exit) =>
            (exit._tag === "Success"
              ? Effect.void
              : runStatement(conn, "rollback", (c) => c`rollback`).pipe(Effect.ignore)).pipe(
                Effect.ensuring(Effect.sync(() => conn.release()))
              )
        ).pipe(Effect.withSpan("db transaction"))
    )

  return { query, transaction, sql }
}

export interface DbOptions {
  readonly url: Redacted.Redacted<string>
  /** Pool size; 1 for PGlite, which has a single session. */
  readonly max: number
}

export const layer = (options: DbOptions): Layer.Layer<Db> =>
  Layer.scoped(
    Db,
    Effect.acquireRelease(
      Effect.sync(() =>
        postgres(Redacted.value(options.url), {
          max: options.max,
          connect_timeout: 5,
          idle_timeout: 60,
          onnotice: () => {}
        })
      ),
      (sql) => Effect.promise(() => sql.end({ timeout: 5 }))
    ).pipe(Effect.map(make))
  )
