import { type Context, Effect, Record, Schema } from "effect"
import { snakeCase, type SnakeCase } from "../../../src/SnakeCase.ts"
import { StorageError } from "../../../src/services/StorageError.ts"
import type { Db } from "../Db.ts"
import { column } from "./decode.ts"

/** Columns named otherwise than their field's snake_case name: field name to column name. */
type Renames<Fields> = { readonly [Name in keyof Fields]?: string }

/** The column of field `Name`: its rename if it has one, else its snake_case name. */
type ColumnName<Name extends string, R> = Name extends keyof R ? R[Name] & string : SnakeCase<Name>

/** A field read from its column, as optional and defaulted as the field itself. */
type Column<Field, Name extends string> = Field extends Schema.PropertySignature<
  infer TypeToken,
  infer Type,
  PropertyKey,
  infer EncodedToken,
  infer Encoded,
  infer HasDefault,
  infer R
> ? Schema.PropertySignature<TypeToken, Type, Name, EncodedToken, Encoded, HasDefault, R>
  : Field extends Schema.Schema.All ? Schema.PropertySignature<
      ":",
      Schema.Schema.Type<Field>,
      Name,
      ":",
      Schema.Schema.Encoded<Field>,
      false,
      Schema.Schema.Context<Field>
    >
  : never

const columnName = (name: string, renames: Readonly<Record<string, string | undefined>>) => renames[name] ?? snakeCase(name)

/** A field read from the column `name`; a field that is a property signature (optional, defaulted) stays one. */
const fieldColumn = (field: Schema.Struct.Field, name: string) =>
  Schema.isPropertySignature(field)
    ? Schema.fromKey(field as Schema.PropertySignature.Any, name)
    : column(field as Schema.Schema.Any, name)

/**
 * A domain struct as a row: each field in the column of its snake_case name (or of its name in `renames`), decoded and
 * encoded by its own schema.
 */
export const rowOf = <Fields extends Schema.Struct.Fields, const R extends Renames<Fields> = {}>(
  struct: Schema.Struct<Fields>,
  renames: R = {} as R
) =>
  Schema.Struct(Record.map(struct.fields, (field, name) => fieldColumn(field, columnName(name, renames)))) as unknown as Schema.Struct<
    { [Name in keyof Fields & string]: Column<Fields[Name], ColumnName<Name, R>> }
  >

/** A value whose fields were checked already, on the other side of a transformation. */
const checked = <A>() => Schema.declare((_: unknown): _ is A => true)

/** Copies each field `from` has under its other name; one pass, no check. */
const renamed = (pairs: ReadonlyArray<readonly [string, string]>) => {
  const fromNames = pairs.map(([fromName]) => fromName)
  const toNames = pairs.map(([, toName]) => toName)
  return (from: Readonly<Record<string, unknown>>) => {
    const to: Record<string, unknown> = {}
    for (let i = 0; i < fromNames.length; i++) {
      const value = from[fromNames[i]!]
      if (value !== undefined || fromNames[i]! in from) to[toNames[i]!] = value
    }
    return to
  }
}

/**
 * `rowOf` for rows decoded in bulk: the columns are checked once, as a struct of the domain's field schemas, then
 * renamed in one step (`rowOf`'s per-field renames check each field a second time, under its new name). It has no
 * `fields` to spread into another struct.
 */
export const renamingRowOf = <Fields extends Schema.Struct.Fields, const R extends Renames<Fields> = {}>(
  struct: Schema.Struct<Fields>,
  renames: R = {} as R
) => {
  const fields: Schema.Struct.Fields = struct.fields
  const pairs = Object.keys(fields).map((name) => [name, columnName(name, renames)] as const)
  const columns = Schema.Struct(Object.fromEntries(pairs.map(([name, to]) => [to, fields[name]!])))
  const toColumns = renamed(pairs)
  const fromColumns = renamed(pairs.map(([name, to]) => [to, name] as const))
  return Schema.transform(columns, checked<Readonly<Record<string, unknown>>>(), {
    strict: true,
    decode: fromColumns,
    encode: (value) => toColumns(value) as typeof columns.Type
  }) as unknown as Schema.Schema<
    Schema.Struct.Type<Fields>,
    Schema.Struct.Encoded<{ [Name in keyof Fields & string as ColumnName<Name, R>]: Fields[Name] }>,
    Schema.Struct.Context<Fields>
  >
}

/** The columns of a domain struct's row, in the struct's order. */
export const columnsOf = <Fields extends Schema.Struct.Fields>(
  struct: Schema.Struct<Fields>,
  renames: Renames<Fields> = {}
): Array<string> => Object.keys(struct.fields).map((name) => columnName(name, renames))

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
