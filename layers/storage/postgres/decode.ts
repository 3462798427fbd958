import { Effect, Schema } from "effect"
import { StorageError } from "../../../src/services/StorageError.ts"

/** Decodes rows at the storage boundary; a row that does not fit its schema is a storage fault, not a client error. */
export const decodeRows = <A, I>(schema: Schema.Schema<A, I>, operation: string) => {
  const decode = Schema.decodeUnknown(Schema.Array(schema))
  return (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<A>, StorageError> =>
    decode(rows).pipe(
      Effect.mapError((cause) => new StorageError({ operation: `${operation}.decode`, unavailable: false, cause }))
    )
}

/** A field of a decoded row read from the column `name`: the row schema then decodes straight into the domain's shape. */
export const column = <A, I, R>(schema: Schema.Schema<A, I, R>, name: string) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(name))
