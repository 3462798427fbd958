import { type Context, Effect, Layer, type Schema } from "effect"
import type { StorageError } from "../../../src/services/StorageError.ts"
import { Db } from "../Db.ts"
import { decodeRows } from "./decode.ts"

/** The database a repository is made over: `Db`'s statements, and `rows`, a statement whose rows are decoded. */
export interface RepositoryDb extends Context.Tag.Service<Db> {
  /** Runs one statement and decodes its rows with `schema`; a row that does not fit fails as `<operation>.decode`. */
  readonly rows: <A, I>(
    operation: string,
    schema: Schema.Schema<A, I>,
    statement: Parameters<Context.Tag.Service<Db>["query"]>[1]
  ) => Effect.Effect<ReadonlyArray<A>, StorageError>
}

type Decoder = (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<unknown>, StorageError>

const decoders = new WeakMap<Schema.Schema.Any, Map<string, Decoder>>()

/** One decoder per schema and operation, made on first use. */
const decoderOf = <A, I>(schema: Schema.Schema<A, I>, operation: string) => {
  let byOperation = decoders.get(schema)
  if (byOperation === undefined) decoders.set(schema, byOperation = new Map())
  let decode = byOperation.get(operation)
  if (decode === undefined) byOperation.set(operation, decode = decodeRows(schema, operation))
  return decode as (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>, StorageError>
}

/** `db` with `rows`. */
export const withRows = (db: Context.Tag.Service<Db>): RepositoryDb => ({
  ...db,
  rows: (operation, schema, statement) => Effect.flatMap(db.query(operation, statement), decoderOf(schema, operation))
})

/** A repository on PostgreSQL: `make` builds the service of `tag` over the `Db` it is given. */
export const repository = <Id, S>(tag: Context.Tag<Id, S>, make: (db: RepositoryDb) => S): Layer.Layer<Id, never, Db> =>
  Layer.effect(tag, Effect.map(Db, (db) => make(withRows(db))))
