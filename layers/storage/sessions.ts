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
  readonly sql: postgres.Sql
  /** The connection closed since `begin`: the server rolled the transaction back, and nothing more may be sent. */
  readonly closed: () => boolean
  /** Marks the start of a transaction. */
  readonly begin: () => void
}

/** Makes a postgres.js pool of `max` connections calling `onclose` when one closes; it ends with the scope. */
export type OpenPool = (max: number, onclose?: () => void) => Effect.Effect<postgres.Sql, never, Scope.Scope>

export const openSession = (openPool: OpenPool): Effect.Effect<Session, never, Scope.Scope> =>
  Effect.gen(function*() {
    let closed = false
    const sql = yield* openPool(1, () => {
      closed = true
    })
    return {
      sql,
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
