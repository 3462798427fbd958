import fc from "fast-check"
import type { CallOptions } from "../support/http.ts"
import { TEST_ADMIN_KEY } from "../support/services.ts"
import { headerText, malformedJson, oddText, percentEncode, urlText } from "./arbitraries.ts"
import { mutatedBody } from "./mutations.ts"
import { type Fixtures, idRoutes, queryRoutes, type RouteTemplate, withId, writeRoutes } from "./routes.ts"

export interface FuzzRequest {
  readonly method: string
  readonly path: string
  readonly options: CallOptions
}

const JSON_TYPE = { "content-type": "application/json" }

/** Path ids that are not an existing resource's: unknown UUIDs, near-UUIDs, huge ones, odd text, bad escapes. */
const badUuid = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => id.replace(/-/g, "")),
  fc.uuid().map((id) => `{${id}}`),
  fc.uuid().map((id) => `${id}0`),
  fc.uuid().map((id) => id.slice(1)),
  fc.uuid().map((id) => id.repeat(30)),
  fc.uuid().map((id) => `${id}%00`),
  fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
  fc.constantFrom(65, 1_000, 9_000).map((length) => "a".repeat(length)),
  urlText
)

const badSequence = fc.oneof(
  fc.constantFrom("0", "-1", "1.5", "1e3", "0x1f", "Infinity", "NaN", "9007199254740993", "1e308", "%201", "1%20", "", "1,2", "١٢"),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.nat().map(String),
  urlText
)

const idFor = (route: RouteTemplate) => (route.idKind === "sequence" ? badSequence : badUuid)

const jsonCall = (body: unknown, headers: Record<string, string> = {}): CallOptions =>
  body === undefined ? { headers } : { body, headers }

/** Write routes with bodies that are not JSON, JSON cut short, oddly encoded, huge or nested very deep. */
export const malformedBodyRequest = (f: Fixtures): fc.Arbitrary<FuzzRequest> =>
  fc.constantFrom(...writeRoutes(f)).chain((route) =>
    malformedJson(JSON.stringify(route.body)).map((raw) => ({
      method: route.method,
      path: withId(route, f.companyId),
      options: { raw, headers: JSON_TYPE }
    }))
  )

/** An `Idempotency-Key` for jobs: none, one of a few reused ones (so bodies collide), or a fresh one. */
const idempotencyHeader = fc.oneof(
  fc.constant({}),
  fc.constantFrom("fuzz-key-1", "fuzz-key-2").map((key) => ({ "idempotency-key": key })),
  fc.uuid().map((key) => ({ "idempotency-key": key }))
)

/** Write routes with valid bodies changed: wrong types, missing or extra fields, odd text, huge arrays, deep values. */
export const mutatedBodyRequest = (f: Fixtures): fc.Arbitrary<FuzzRequest> =>
  fc.constantFrom(...writeRoutes(f)).chain((route) =>
    fc.tuple(
      mutatedBody(route.body),
      route.path === "/jobs" ? idempotencyHeader : fc.constant({}),
      fc.oneof({ weight: 4, arbitrary: fc.constant(TEST_ADMIN_KEY) }, { weight: 1, arbitrary: fc.constant(f.companyKey) })
    ).map(([body, headers, key]) => ({
      method: route.method,
      path: withId(route, f.companyId),
      options: { ...jsonCall(body, headers), key }
    }))
  )

/** Every route with a path id, with an id that is malformed, too long, or names nothing. */
export const badIdRequest = (f: Fixtures): fc.Arbitrary<FuzzRequest> =>
  fc.constantFrom(...idRoutes(f)).chain((route) =>
    idFor(route).map((id) => ({ method: route.method, path: withId(route, id), options: jsonCall(route.body) }))
  )

/** Half the time a key that works (so the other headers are reached), else a broken or missing one. */
const authorization = (f: Fixtures): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(`Bearer ${TEST_ADMIN_KEY}`, `bearer ${TEST_ADMIN_KEY}`, `Bearer ${f.companyKey}`) },
    fc.constant(undefined),
    fc.constantFrom(
      "",
      "Bearer",
      "Bearer ",
      "Basic dXNlcjpwYXNz",
      `Token ${TEST_ADMIN_KEY}`,
      `Bearer "${TEST_ADMIN_KEY}"`,
      `Bearer ${TEST_ADMIN_KEY} extra`,
      `Bearer ${TEST_ADMIN_KEY.slice(0, -1)}`,
      `Bearer ${TEST_ADMIN_KEY}x`,
      `Bearer ${TEST_ADMIN_KEY},Bearer ${TEST_ADMIN_KEY}`,
      `Bearer\t${TEST_ADMIN_KEY}`,
      `Bearer ${"k".repeat(257)}`
    ),
    headerText,
    headerText.map((text) => `Bearer ${text}`)
  )

const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "APPLICATION/JSON",
    "application/json;",
    "application/json; charset=",
    "application/jsonx",
    "application/vnd.api+json",
    "application/json, text/plain",
    "text/plain",
    "text/json",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=fuzz",
    "multipart/form-data",
    "*/*",
    "",
    ";"
  ),
  headerText
)

/** Headers the service reads or might: idempotency, tracing, user agent; each odd or absent. */
const otherHeaders = fc.record({
  "idempotency-key": headerText,
  traceparent: fc.oneof(headerText, fc.constant("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")),
  tracestate: headerText,
  "user-agent": headerText,
  accept: headerText
}, { requiredKeys: [] })

const formBody = "name=Fuzz+Co&status=active"

/** Write routes with odd `Authorization`, `Content-Type`, `Idempotency-Key` and other headers; bodies as bytes. */
export const badHeaderRequest = (f: Fixtures): fc.Arbitrary<FuzzRequest> =>
  fc.record({
    route: fc.constantFrom(...writeRoutes(f)),
    authorization: authorization(f),
    contentType,
    others: otherHeaders,
    bodyKind: fc.constantFrom("valid" as const, "form" as const, "empty" as const)
  }).map(({ route, authorization, contentType, others, bodyKind }) => {
    const text = bodyKind === "valid" ? JSON.stringify(route.body) : bodyKind === "form" ? formBody : ""
    const headers: Record<string, string> = {
      ...others,
      ...(authorization === undefined ? {} : { authorization }),
      ...(contentType === undefined ? {} : { "content-type": contentType })
    }
    // Bytes, not a string: a string body would make fetch add `text/plain` when no content type is given.
    return { method: route.method, path: withId(route, f.companyId), options: { key: null, raw: new TextEncoder().encode(text), headers } }
  })

const base64Url = (text: string) => Buffer.from(text, "utf8").toString("base64url")

/** Cursors: random text, and base64url JSON that looks like ours but holds odd dates and ids. */
const cursorValue = fc.oneof(
  urlText,
  fc.record({
    createdAt: fc.oneof(
      fc.date({ noInvalidDate: false }).map((date) => (Number.isNaN(date.getTime()) ? "not a date" : date.toISOString())),
      fc.constantFrom("0000-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z", "-000001-01-01T00:00:00Z", "2026-02-30T00:00:00Z"),
      oddText
    ),
    id: fc.oneof(fc.uuid(), oddText)
  }, { requiredKeys: [] }).map((cursor) => base64Url(JSON.stringify(cursor))),
  oddText.map(base64Url)
)

const numberText = fc.oneof(
  fc.constantFrom("0", "-1", "1", "200", "201", "1000", "1001", "1440", "1441", "1e2", "0x10", "1.5", "Infinity", "NaN", " 5 ", "", "9".repeat(400)),
  fc.integer().map(String)
)

const datetimeText = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59.999-23:59",
    "2026-13-45T25:61:61Z",
    "2026-01-01T00:00:00+14:00",
    "2026-01-01",
    "+275760-09-13T00:00:00Z"
  )
)

/** Values for any query parameter: the kind that parameter expects, odd text, or a value for another parameter. */
const queryValue = fc.oneof(
  urlText,
  numberText.map(percentEncode),
  datetimeText.map(percentEncode),
  cursorValue,
  fc.constantFrom("pending", "active", "PENDING", "24h", "90d", "91d", "0m", "1h", "15m", "999999d", "1.5h", "-1h"),
  fc.uuid()
)

/** List and report routes with odd, repeated and unknown query parameters. */
export const badQueryRequest: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...queryRoutes).chain((route) =>
  fc.array(
    fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...route.params) }, { weight: 1, arbitrary: urlText }), queryValue),
    { maxLength: 5 }
  ).map((pairs) => ({
    method: "GET",
    path: `${route.path}?${pairs.map(([name, value]) => `${name}=${value}`).join("&")}`,
    options: {}
  }))
)
