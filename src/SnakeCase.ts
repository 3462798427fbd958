/**
 * Field names between the domain (camelCase) and the wire and the tables (snake_case): one rule both ways, in types and
 * at run time, so a field is named once and its other spelling is derived.
 */

/** `rateLimitPerMinute` → `rate_limit_per_minute` (a digit stays where it is: `p50Ms` → `p50_ms`). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

/** `rate_limit_per_minute` → `rateLimitPerMinute`. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S

/** An object's fields under their camelCase names, those that may be left out never `undefined`. */
export type CamelCaseKeys<T> = { [K in keyof T as K extends string ? CamelCase<K> : K]: Exclude<T[K], undefined> }

/** `SnakeCase` at run time. */
export const snakeCase = <S extends string>(name: S): SnakeCase<S> =>
  name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) as SnakeCase<S>

/** `CamelCase` at run time. */
export const camelCase = <S extends string>(name: S): CamelCase<S> =>
  name.replace(/_([^_])/g, (_, letter: string) => letter.toUpperCase()) as CamelCase<S>

/** The camelCase names `camelCaseKeys` has met: the fields of the request schemas, a fixed set. */
const camelCaseNames = new Map<string, string>()

/**
 * The object's fields under their camelCase names; a field that is `undefined` is left out (as if not given). For the
 * objects of a schema (a request body on the hot path): its names are worked out once each.
 */
export const camelCaseKeys = <T extends object>(value: T): CamelCaseKeys<T> => {
  const renamed: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(value)) {
    if (field === undefined) continue
    let camel = camelCaseNames.get(name)
    if (camel === undefined) camelCaseNames.set(name, camel = camelCase(name))
    renamed[camel] = field
  }
  return renamed as CamelCaseKeys<T>
}
