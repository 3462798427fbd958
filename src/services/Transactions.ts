import { Context, type Effect } from "effect"
import type { StorageError } from "./StorageError.ts"

/** Runs an effect so that every storage write inside it commits together or not at all. */
export class Transactions extends Context.Tag("Transactions")<Transactions, {
  readonly run: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
}>() {}
