import { Duration } from "effect"
import type { Context } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import type { ErrorDetail } from "../domain/errors.ts"

/** Seconds a client is told to wait before retrying when a dependency is down. */
export const RETRY_AFTER_SECONDS = 5

/** Seconds an overloaded service asks a client to wait: the queue it refused to grow drains within about that. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 1

/** A failure already decided as an HTTP answer. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: ReadonlyArray<ErrorDetail> = [],
    readonly headers: Readonly<Record<string, string>> = {}
  ) {
    super(message)
  }
}

/** The API.md error body: `{ "error": { "code", "message", "details" } }`. */
export const errorBody = (code: string, message: string, details: ReadonlyArray<ErrorDetail> = []) => ({
  error: { code, message, details: [...details] }
})

/** The error body of an answer. */
export const bodyOf = (answer: ApiError) => errorBody(answer.code, answer.message, answer.details)

/** Sends an answer as the response: its headers, and its body with its status. */
export const respond = (c: Context, answer: ApiError) => {
  for (const [name, value] of Object.entries(answer.headers)) c.header(name, value)
  return c.json(bodyOf(answer), answer.status)
}

const retryAfter = (seconds: number) => ({ "Retry-After": String(seconds) })

const wholeSeconds = (duration: Duration.Duration) => Math.max(1, Math.ceil(Duration.toSeconds(duration)))

const unavailable = (message: string, retryAfterSeconds = RETRY_AFTER_SECONDS, details: ReadonlyArray<ErrorDetail> = []) =>
  new ApiError(503, "unavailable", message, details, retryAfter(retryAfterSeconds))

const internalError = () => new ApiError(500, "internal_error", "internal error")

/** The code of each status a Hono `HTTPException` may carry; any other status is answered as an internal error. */
const exceptionCodes: Record<number, string> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type"
}

/** Every error answer of the API, by name: the only place an error status, code and message are put together. */
export const HttpAnswers = {
  /** `400 validation_error`: the request, or a field of it, is malformed. */
  validationError: (message: string, details: ReadonlyArray<ErrorDetail> = []) =>
    new ApiError(400, "validation_error", message, details),
  /** `422 validation_error`: well-formed input that refers to things that do not exist or do not fit together. */
  invalidReference: (message: string, details: ReadonlyArray<ErrorDetail>) =>
    new ApiError(422, "validation_error", message, details),
  /** `401 unauthorized`. */
  unauthorized: (message: string) => new ApiError(401, "unauthorized", message),
  /** `401 unauthorized` with `WWW-Authenticate`: the request carries no API key. */
  missingApiKey: () =>
    new ApiError(401, "unauthorized", "send the API key as `Authorization: Bearer <key>`", [], { "WWW-Authenticate": "Bearer" }),
  /** `403 forbidden`. */
  forbidden: (message: string) => new ApiError(403, "forbidden", message),
  /** `404 not_found`. */
  notFound: (message: string) => new ApiError(404, "not_found", message),
  /** `404 not_found`: no route has this method and path. */
  noRoute: (method: string, path: string) => new ApiError(404, "not_found", `no route for ${method} ${path}`),
  /** `409 conflict`. */
  conflict: (message: string) => new ApiError(409, "conflict", message),
  /** `413 payload_too_large`: the body is over `maxBytes`. */
  payloadTooLarge: (maxBytes: number) =>
    new ApiError(413, "payload_too_large", `request bodies are limited to ${maxBytes} bytes`),
  /** `429 rate_limited`, with `Retry-After` in whole seconds (at least 1). */
  rateLimited: (message: string, wait: Duration.Duration) =>
    new ApiError(429, "rate_limited", message, [], retryAfter(wholeSeconds(wait))),
  /** `503 unavailable` with `Retry-After`: a dependency is down, or the work cannot be done now. */
  unavailable,
  /** `503 unavailable`: a dependency is down; `Retry-After` in whole seconds of `wait` (at least 1). */
  unavailableFor: (message: string, wait: Duration.Duration) => unavailable(message, wholeSeconds(wait)),
  /** `503 unavailable`: the service is at capacity and sheds the request. */
  atCapacity: () =>
    unavailable("the service is at capacity; retry after Retry-After seconds", OVERLOAD_RETRY_AFTER_SECONDS),
  /** `500 internal_error`: anything unexpected; the cause is logged, never sent. */
  internalError,
  /** The answer to a Hono `HTTPException` (a 400, 401, 403, 404, 413 or 415 of Hono's own). */
  httpException: (status: number, message: string) => {
    const code = exceptionCodes[status]
    return code === undefined ? internalError() : new ApiError(status as ContentfulStatusCode, code, message || code)
  }
}
