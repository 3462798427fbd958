import { Context, type Effect } from "effect"
import type { StorageError } from "./StorageError.ts"

/** Runs an effect so that every storage write inside it commits together or not at all. */
export class Transactions extends Context.Tag("Transactions")<Transactions, {
  readonly run: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /**
   * As `run`, on a connection kept for it, so that it never waits behind the API's and the actors' transactions: for
   * the one drain every delivery waits on (the outbox relay). One caller at a time.
   */
  readonly runAhead: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /**
   * As `run`, on another connection kept for it: for intake's group commit, which writes one batch of jobs at a time
   * while every request in it waits. One caller at a time.
   */
  readonly runIntake: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
}>() {}
