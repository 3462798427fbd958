import { z } from "@hono/zod-openapi"
import { Option, Schema } from "effect"
import { decodeCursor, type PageQuery as PageAsked } from "../../domain/page.ts"
import { SkillName } from "../../domain/skills.ts"
import { isStorableDate } from "../../domain/time.ts"

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().openapi({ example: "validation_error" }),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() }))
  })
}).openapi("Error")

const errorDescriptions = {
  400: "The request is malformed or a field is invalid (`validation_error`)",
  401: "Missing or unknown API key (`unauthorized`)",
  403: "The key may not do this (`forbidden`)",
  404: "No such resource (`not_found`)",
  409: "Conflicts with the current state (`conflict`)",
  413: "Body over 64 KB, or 1 MB for `POST /jobs/bulk` (`payload_too_large`)",
  415: "Body is not JSON (`unsupported_media_type`)",
  422: "Refers to something that does not exist or does not fit (`validation_error`)",
  503: "A dependency is unreachable, or the service is at capacity; retry after `Retry-After` seconds (`unavailable`)"
} as const

/** An error status a route may answer, with its standard description. */
export type ErrorStatus = keyof typeof errorDescriptions

/** The OpenAPI response entry of an error answer described as `description`. */
export const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } })

/** OpenAPI response entries for the error statuses a route can answer. */
export const errorResponses = <const S extends ReadonlyArray<ErrorStatus>>(...statuses: S) =>
  Object.fromEntries(statuses.map((status) => [status, errorResponse(errorDescriptions[status])])) as {
    [K in S[number]]: ReturnType<typeof errorResponse>
  }

const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Text PostgreSQL can store (in text and in jsonb): no NUL character and no unpaired surrogate. */
export const isStorable = (value: string): boolean => !value.includes("\u0000") && !unpairedSurrogate.test(value)

/** Trimmed, non-empty text of at most `max` characters that PostgreSQL can store. */
export const text = (max: number) =>
  z.string().trim().min(1).max(max).refine(isStorable, "must not contain NUL characters or unpaired surrogates")

/** Any text of at most `max` characters that PostgreSQL can store (kept as sent). */
export const rawText = (max: number) =>
  z.string().max(max).refine(isStorable, "must not contain NUL characters or unpaired surrogates")

/** Parses a string into a domain type with that type's own Schema, so each rule is written once. */
const parsedBy = <A>(schema: Schema.Schema<A, string>, message: string) => (text: string, ctx: z.RefinementCtx): A => {
  const parsed = Schema.decodeUnknownOption(schema)(text)
  if (Option.isSome(parsed)) return parsed.value
  ctx.addIssue({ code: "custom", message })
  return z.NEVER
}

/** A UUID in any hex spelling, as the branded id `schema` names, in lower case (as PostgreSQL writes it). */
export const idOf = <A>(schema: Schema.Schema<A, string>) =>
  z.string().max(64).transform((s) => s.toLowerCase()).transform(parsedBy(schema, "not a UUID"))
    .openapi({ type: "string", format: "uuid" })

/** A path `:id`, as the branded id `schema` names. */
export const idParam = <A>(schema: Schema.Schema<A, string>) =>
  z.object({ id: idOf(schema).openapi({ param: { name: "id", in: "path" }, type: "string", format: "uuid" }) })

export const Timestamp = z.string().openapi({ format: "date-time", example: "2026-01-01T00:00:00.000Z" })

/** An RFC 3339 time a client sends, with its offset, within the years storage takes. */
export const DateTimeInput = z.iso.datetime({ offset: true })
  .refine((text) => isStorableDate(new Date(text)), "years 1 to 9999 only")
  .transform((text) => new Date(text))

/** Skill names are matched case-insensitively: they are trimmed and lower-cased on the way in. */
export const SkillNameInput = z.string().max(256).trim().toLowerCase()
  .transform(parsedBy(SkillName, "a skill is 1 to 64 letters, digits, spaces, '_' or '-'"))
  .openapi({ type: "string", example: "plumbing" })

export const SkillLevelInput = z.enum(["basic", "intermediate", "expert"])

export const Limit = z.coerce.number().int().min(1).max(200).default(50)

/** An opaque `next_cursor` from an earlier page. */
export const Cursor = z.string().max(512).transform((text, ctx) => {
  const cursor = decodeCursor(text)
  if (Option.isNone(cursor)) {
    ctx.addIssue({ code: "custom", message: "not a cursor this API gave out" })
    return z.NEVER
  }
  return cursor.value
}).openapi({ type: "string" })

/** `?limit=&cursor=`: a page of a list. */
export const PageQuery = z.object({ limit: Limit, cursor: Cursor.optional() })

/** The page a `PageQuery` asks for, as the programs take it. */
export const askedPage = (query: z.output<typeof PageQuery>): PageAsked => ({ limit: query.limit, after: query.cursor ?? null })

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() })

/** A required JSON request body. */
export const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } }, required: true })

/** A JSON response. */
export const answers = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } }
})

/** Routes that need `Authorization: Bearer <key>`. */
export const security = [{ bearer: [] }]
