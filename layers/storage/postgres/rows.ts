import { type Context, Effect, Record, Schema } from "effect"
import { snakeCase, type SnakeCase } from "../../../src/SnakeCase.ts"
import { StorageError } from "../../../src/services/StorageError.ts"
import type { Db } from "../Db.ts"
import { column } from "./decode.ts"

/** A field read from the column of its snake_case name. */
type Column<Field extends Schema.Schema.All, Name extends string> = Schema.PropertySignature<
  ":",
  Schema.Schema.Type<Field>,
  SnakeCase<Name>,
  ":",
  Schema.Schema.Encoded<Field>,
  false,
  Schema.Schema.Context<Field>
>

/** A domain struct as a row: each field in the column of its snake_case name, decoded and encoded by its own schema. */
export const rowOf = <Fields extends Record<string, Schema.Schema.All>>(struct: Schema.Struct<Fields>) =>
  Schema.Struct(Record.map(struct.fields, (field, name) => column(field as Schema.Schema.Any, snakeCase(name)))) as unknown as Schema.Struct<
    { [Name in keyof Fields & string]: Column<Fields[Name], Name> }
  >

/** The columns of a domain struct's row, in the struct's order. */
export const columnsOf = <Fields extends Schema.Struct.Fields>(struct: Schema.Struct<Fields>): Array<string> =>
  Object.keys(struct.fields).map(snakeCase)

/** The columns a change sets: each field given, in the column of its snake_case name (stored as it is). */
export const columnChanges = (changes: object): Readonly<Record<string, unknown>> =>
  Object.fromEntries(
    Object.entries(changes).flatMap(([name, value]) => (value === undefined ? [] : [[snakeCase(name), value]]))
  )

/** Encodes a value as its row at the storage boundary; a value that does not fit is a storage fault. */
const encodeRow = <A, I>(schema: Schema.Schema<A, I>, operation: string) => {
  const encode = Schema.encode(schema)
  return (value: A): Effect.Effect<I, StorageError> =>
    encode(value).pipe(
      Effect.mapError((cause) => new StorageError({ operation: `${operation}.encode`, unavailable: false, cause }))
    )
}

/** Writes a domain value as a new row of `table`, its columns those of its row schema; named `operation`. */
export const rowInsert = <A, I>(
  db: Context.Tag.Service<typeof Db>,
  schema: Schema.Schema<A, I>,
  table: string,
  operation: string
) => {
  const encode = encodeRow(schema, operation)
  const insert = (row: I) => db.query(operation, (sql) => sql`insert into ${sql(table)} ${sql(row as Record<string, unknown>)}`)
  return (value: A): Effect.Effect<void, StorageError> => encode(value).pipe(Effect.flatMap(insert), Effect.asVoid)
}
