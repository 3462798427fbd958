import type { z } from "@hono/zod-openapi"
import { camelCase, type CamelCase } from "../SnakeCase.ts"

/** What a view's field may be shown from: a timestamp from a `Date`, a list from a read-only one. */
type Source<V> = V extends string ? V | Date : V extends Array<infer E> ? ReadonlyArray<E> : V

/** The domain fields a view shows: each of its snake_case fields under its camelCase name. */
type SourceOf<View> = { readonly [K in keyof View as K extends string ? CamelCase<K> : K]: Source<View[K]> }

/** Each view's fields with their camelCase names, worked out once per view. */
const fieldNames = new WeakMap<z.ZodObject, ReadonlyArray<readonly [string, string]>>()

const namesOf = (view: z.ZodObject) => {
  let names = fieldNames.get(view)
  if (names === undefined) fieldNames.set(view, names = Object.keys(view.shape).map((name) => [name, camelCase(name)] as const))
  return names
}

const shown = (field: unknown): unknown =>
  typeof field !== "object" || field === null
    ? field
    : field instanceof Date
    ? field.toISOString()
    : Array.isArray(field)
    ? [...field]
    : field

/**
 * The answer `view` gives of a domain value: each field of the view, in the view's order, from the value's field of
 * the same name in camelCase (a `Date` as RFC 3339 UTC), but those given in `own`, which the caller builds itself
 * (what the view shows otherwise, or hides). A field the domain does not have, or has of another type, does not compile.
 */
export const viewOf = <View extends z.ZodObject, const Own extends keyof z.input<View> = never>(
  view: View,
  value: SourceOf<Omit<z.input<View>, Own>>,
  own: Pick<z.input<View>, Own> = {} as Pick<z.input<View>, Own>
): z.input<View> => {
  const fields = value as Readonly<Record<string, unknown>>
  const built = own as Readonly<Record<string, unknown>>
  const answer: Record<string, unknown> = {}
  const names = namesOf(view)
  for (let i = 0; i < names.length; i++) {
    const [name, domainName] = names[i]!
    const given = built[name]
    const field = given !== undefined ? given : shown(fields[domainName])
    if (field !== undefined) answer[name] = field
  }
  return answer as z.input<View>
}
