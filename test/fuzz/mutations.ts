import fc from "fast-check"
import { objectMemberName, oddJson, oddText } from "./arbitraries.ts"

type JsonPath = ReadonlyArray<string | number>

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The path of every value inside `value`, itself included. */
const pathsOf = (value: unknown, at: JsonPath = []): Array<JsonPath> => {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, i) => pathsOf(item, [...at, i]))]
  if (isRecord(value)) return [at, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...at, key]))]
  return [at]
}

const valueAt = (value: unknown, path: JsonPath): unknown =>
  path.reduce<unknown>((inner, key) => (inner as Record<string | number, unknown> | undefined)?.[key], value)

/** A copy of `value` with the value at `path` replaced by `change` of it; unchanged when the path is gone. */
const updateAt = (value: unknown, path: JsonPath, change: (old: unknown) => unknown): unknown => {
  const [head, ...rest] = path
  if (head === undefined) return change(value)
  if (Array.isArray(value) && typeof head === "number" && head < value.length) {
    return value.map((item, i) => (i === head ? updateAt(item, rest, change) : item))
  }
  if (isRecord(value) && typeof head === "string" && Object.hasOwn(value, head)) {
    return { ...value, [head]: updateAt(value[head], rest, change) }
  }
  return value
}

const REMOVED = Symbol("removed")

/**
 * `value` with the removed values taken out. Only the template's own paths can hold one, so only they are walked: an odd
 * value put in by a mutation may be nested deeper than the stack allows.
 */
const withoutRemoved = (value: unknown, template: unknown): unknown => {
  if (Array.isArray(value) && Array.isArray(template)) {
    return value.map((item, i) => (item === REMOVED ? REMOVED : withoutRemoved(item, template[i]))).filter((item) => item !== REMOVED)
  }
  if (isRecord(value) && isRecord(template)) {
    return Object.fromEntries(
      Object.entries(value).filter(([, item]) => item !== REMOVED).map(([k, item]) => [k, withoutRemoved(item, template[k])])
    )
  }
  return value
}

type Mutation = (body: unknown) => unknown

/**
 * One change to a body: a value replaced by an odd one, a text replaced by odd text (so it gets past the type checks),
 * a field or item removed, or an extra one added.
 */
const mutationOf = (template: unknown): fc.Arbitrary<Mutation> => {
  const allPaths = pathsOf(template)
  const path = fc.constantFrom(...allPaths)
  const textPath = fc.constantFrom(...allPaths.filter((at) => typeof valueAt(template, at) === "string"))
  return fc.oneof(
    fc.tuple(textPath, fc.oneof(oddText, objectMemberName)).map(([at, text]): Mutation => (body) => updateAt(body, at, () => text)),
    fc.tuple(path, oddJson).map(([at, replacement]): Mutation => (body) => updateAt(body, at, () => replacement)),
    fc.tuple(path, fc.constant(REMOVED)).map(([at]): Mutation => (body) => at.length === 0 ? undefined : updateAt(body, at, () => REMOVED)),
    fc.tuple(path, oddText, oddJson).map(([at, key, extra]): Mutation => (body) =>
      updateAt(body, at, (old) => Array.isArray(old) ? [...old, extra] : isRecord(old) ? { ...old, [key]: extra } : old)
    )
  )
}

/** `template` with one to three mutations: wrong types, missing fields, extra fields, odd text, huge or deep values. */
export const mutatedBody = (template: unknown): fc.Arbitrary<unknown> =>
  fc.array(mutationOf(template), { minLength: 1, maxLength: 3 })
    .map((mutations) => withoutRemoved(mutations.reduce((body, mutate) => mutate(body), template), template))
