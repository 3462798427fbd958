import { Duration, Option } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import {
  Conflict,
  Forbidden,
  InvalidInput,
  InvalidReference,
  NotFound,
  RateLimited,
  Unauthorized,
  Unavailable
} from "../../src/domain/errors.ts"
import { HttpAnswers } from "../../src/http/answers.ts"
import { failureAnswers, fromFailure, fromUnknownFailure, type RouteFailure } from "../../src/http/failureAnswers.ts"
import { BrokerError } from "../../src/services/Broker.ts"
import { ProviderError } from "../../src/services/Providers.ts"
import { StorageError } from "../../src/services/StorageError.ts"

const detail = [{ path: "trade", message: "unknown trade" }]

/** One failure of each kind a route's program may fail with, and the answer the API gives it. */
const cases: ReadonlyArray<readonly [RouteFailure, { status: number; code: string; message: string; retryAfter?: string }]> = [
  [new InvalidInput({ message: "bad window", details: detail }), { status: 400, code: "validation_error", message: "bad window" }],
  [new InvalidReference({ message: "no such trade", details: detail }), { status: 422, code: "validation_error", message: "no such trade" }],
  [new NotFound({ resource: "job", id: "j1" }), { status: 404, code: "not_found", message: "job j1 not found" }],
  [new Unauthorized({ message: "unknown key" }), { status: 401, code: "unauthorized", message: "unknown key" }],
  [new Forbidden({ message: "not yours" }), { status: 403, code: "forbidden", message: "not yours" }],
  [new Conflict({ message: "taken" }), { status: 409, code: "conflict", message: "taken" }],
  [
    new RateLimited({ message: "slow down", retryAfter: Duration.millis(1500) }),
    { status: 429, code: "rate_limited", message: "slow down", retryAfter: "2" }
  ],
  [
    new Unavailable({ message: "later", retryAfter: Duration.millis(10) }),
    { status: 503, code: "unavailable", message: "later", retryAfter: "1" }
  ],
  [
    new BrokerError({ operation: "publish", cause: "down" }),
    { status: 503, code: "unavailable", message: "the message broker is unreachable; retry later", retryAfter: "5" }
  ],
  [
    new ProviderError({ kind: "permanent", message: "bad address", retryAfter: Option.none() }),
    { status: 409, code: "conflict", message: "the provider refused: bad address" }
  ],
  [
    new ProviderError({ kind: "retryable", message: "timeout", retryAfter: Option.none() }),
    { status: 503, code: "unavailable", message: "the provider could not be reached: timeout; retry later", retryAfter: "5" }
  ],
  [
    new StorageError({ operation: "jobs.insert", unavailable: true, cause: "refused" }),
    { status: 503, code: "unavailable", message: "the database is unreachable; retry later", retryAfter: "5" }
  ],
  [
    new StorageError({ operation: "jobs.insert", unavailable: false, cause: "constraint" }),
    { status: 500, code: "internal_error", message: "internal error" }
  ]
]

describe("failureAnswers", () => {
  it("has an answer for exactly the tags of RouteFailure", () => {
    expectTypeOf<keyof typeof failureAnswers>().toEqualTypeOf<RouteFailure["_tag"]>()
    expect(new Set(cases.map(([failure]) => failure._tag))).toEqual(new Set(Object.keys(failureAnswers)))
  })

  it.each(cases)("answers %o as the API documents", (failure, expected) => {
    const answer = fromFailure(failure)
    expect({ status: answer.status, code: answer.code, message: answer.message }).toEqual({
      status: expected.status,
      code: expected.code,
      message: expected.message
    })
    expect(answer.headers["Retry-After"]).toBe(expected.retryAfter)
  })

  it("carries the details of validation failures", () => {
    expect(fromFailure(new InvalidInput({ message: "bad", details: detail })).details).toEqual(detail)
    expect(fromFailure(new InvalidReference({ message: "bad", details: detail })).details).toEqual(detail)
  })

  it("answers a failure of no known tag as an internal error", () => {
    expect(fromUnknownFailure({ _tag: "Mystery" })).toEqual(HttpAnswers.internalError())
    expect(fromUnknownFailure("boom").status).toBe(500)
  })
})

describe("HttpAnswers", () => {
  it("builds the answers made outside programs", () => {
    expect(HttpAnswers.payloadTooLarge(10)).toMatchObject({ status: 413, code: "payload_too_large" })
    expect(HttpAnswers.noRoute("GET", "/x")).toMatchObject({ status: 404, code: "not_found", message: "no route for GET /x" })
    expect(HttpAnswers.atCapacity()).toMatchObject({ status: 503, code: "unavailable", headers: { "Retry-After": "1" } })
    expect(HttpAnswers.missingApiKey()).toMatchObject({ status: 401, headers: { "WWW-Authenticate": "Bearer" } })
    expect(HttpAnswers.httpException(415, "")).toMatchObject({ status: 415, code: "unsupported_media_type", message: "unsupported_media_type" })
    expect(HttpAnswers.httpException(418, "teapot")).toMatchObject({ status: 500, code: "internal_error" })
  })
})
