import { Effect, Queue, type Scope } from "effect"
import type postgres from "postgres"

/**
 * A connection a transaction has to itself: a postgres.js pool of one, so its `onclose` names the connection that
 * closed, and whether that happened since the transaction began.
 *
 * Transactions do not use `sql.reserve()`, for two faults of postgres.js 3.4 that a database restart sets off
 * (porsager/postgres#1208): a reservation refused while the server is unreachable stays queued and takes, for good,
 * the next connection that opens, so an outage leaks the pool away until every transaction waits forever; and a
 * reserved connection that closes is not noticed, so the next statement is written to a socket that is gone (a
 * TypeError thrown from a timer, which ends the process) and the release puts the dead connection back in the pool.
 */
export interface Session {
  /** The session's pool; a new one after its connection closed (see `openSession`). */
  readonly sql: postgres.Sql
  /** The connection closed since `begin`: the server rolled the transaction back, and nothing more may be sent. */
  readonly closed: () => boolean
  /** Marks the start of a transaction. */
  readonly begin: () => void
}

/** Makes a postgres.js pool of `max` connections calling `onclose` when one closes. */
export type MakePool = (max: number, onclose?: () => void) => postgres.Sql

/** Ends a pool, at once when `timeout` is 0: whatever is queued or running in it fails. */
export const endPool = (sql: postgres.Sql, timeout: number) => sql.end({ timeout }).catch(() => {})

/** Makes a pool of `max` connections that ends with the scope. */
export const openPool = (makePool: MakePool, max: number): Effect.Effect<postgres.Sql, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(() => makePool(max)), (sql) => Effect.promise(() => endPool(sql, 5)))

/**
 * A session. With `renew`, its pool is ended the moment its connection closes, and a new one takes its place: what
 * postgres.js still holds of the old connection is dropped with it. That is a statement of the transaction still
 * queued, which would otherwise be the first sent on the next connection, outside any transaction; an error it kept,
 * which it hands to the next connection's first statement; and a statement cut off while the server was down, which
 * keeps the next connection waiting (instead of failing fast) until the server is back. Without `renew` (a session that
 * is also the shared pool, which others hold), the pool stays.
 */
export const openSession = (
  makePool: MakePool,
  options: { readonly renew: boolean }
): Effect.Effect<Session, never, Scope.Scope> =>
  Effect.gen(function*() {
    let closed = false
    let current: postgres.Sql
    const open = (): postgres.Sql => {
      const pool: postgres.Sql = makePool(1, () => {
        if (pool !== current) return
        closed = true
        if (!options.renew) return
        current = open()
        void endPool(pool, 0)
      })
      return pool
    }
    current = open()
    yield* Effect.addFinalizer(() => Effect.promise(() => endPool(current, 5)))
    return {
      get sql() {
        return current
      },
      closed: () => closed,
      begin: () => {
        closed = false
      }
    }
  })

type Lend = <A, E, R>(use: (session: Session) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Sessions lent one at a time: `use` waits for a free one; `useAhead` and `useIntake` take the session kept apart for
 * that work, which must not queue behind the others (or, when none is kept, wait like `use`).
 */
export interface Sessions {
  readonly use: Lend
  readonly useAhead: Lend
  readonly useIntake: Lend
}

/** The sessions kept apart, each for one caller at a time. */
export interface KeptApart {
  readonly ahead?: Session | undefined
  readonly intake?: Session | undefined
}

const lender = (sessions: ReadonlyArray<Session>): Effect.Effect<Lend> =>
  Effect.gen(function*() {
    const free = yield* Queue.bounded<Session>(sessions.length)
    yield* Queue.offerAll(free, sessions)
    return (use) => Effect.acquireUseRelease(Queue.take(free), use, (session) => Queue.offer(free, session))
  })

export const makeSessions = (sessions: ReadonlyArray<Session>, keptApart: KeptApart = {}): Effect.Effect<Sessions> =>
  Effect.gen(function*() {
    const use = yield* lender(sessions)
    const apart = (session: Session | undefined) => (session === undefined ? Effect.succeed(use) : lender([session]))
    return { use, useAhead: yield* apart(keptApart.ahead), useIntake: yield* apart(keptApart.intake) }
  })
