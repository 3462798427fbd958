import { Cause, Duration, Option } from "effect"
import type { Context } from "hono"
import { HTTPException } from "hono/http-exception"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import type { ZodError } from "zod"
import type { ErrorDetail, RateLimited, Unavailable } from "../domain/errors.ts"

/** Seconds a client is told to wait before retrying when a dependency is down. */
export const RETRY_AFTER_SECONDS = 5

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

/** The failure of an Effect program run for a request. */
export class ProgramFailure extends Error {
  constructor(readonly failure: Cause.Cause<unknown>) {
    super("program failed")
  }
}

export const errorBody = (code: string, message: string, details: ReadonlyArray<ErrorDetail> = []) => ({
  error: { code, message, details: [...details] }
})

/** The `details` of a validation error: each bad field by its dotted path. */
export const zodDetails = (error: ZodError): Array<ErrorDetail> =>
  error.issues.flatMap((issue) => {
    const path = issue.path.map(String)
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key].join("."), message: "unknown field" }))
    }
    return [{ path: path.length === 0 ? "body" : path.join("."), message: issue.message }]
  })

const exceptionCodes: Record<number, string> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type"
}

const unavailable = (message: string, retryAfterSeconds = RETRY_AFTER_SECONDS) =>
  new ApiError(503, "unavailable", message, [], { "Retry-After": String(retryAfterSeconds) })

/** `429 rate_limited`, with `Retry-After` in whole seconds (at least 1). */
export const rateLimited = (message: string, retryAfter: Duration.Duration) =>
  new ApiError(429, "rate_limited", message, [], { "Retry-After": String(Math.max(1, Math.ceil(Duration.toSeconds(retryAfter)))) })

/** Maps a program's typed failure to its HTTP answer; anything unexpected is a 500. */
export const fromFailure = (error: unknown): ApiError => {
  const tagged = error as { _tag?: string; message?: string; details?: ReadonlyArray<ErrorDetail> }
  switch (tagged._tag) {
    case "InvalidInput":
      return new ApiError(400, "validation_error", tagged.message ?? "invalid input", tagged.details ?? [])
    case "InvalidReference":
      return new ApiError(422, "validation_error", tagged.message ?? "invalid reference", tagged.details ?? [])
    case "NotFound":
      return new ApiError(404, "not_found", tagged.message ?? "not found")
    case "Unauthorized":
      return new ApiError(401, "unauthorized", tagged.message ?? "unauthorized")
    case "Forbidden":
      return new ApiError(403, "forbidden", tagged.message ?? "forbidden")
    case "Conflict":
      return new ApiError(409, "conflict", tagged.message ?? "conflict")
    case "RateLimited":
      return rateLimited(tagged.message ?? "too many requests", (error as RateLimited).retryAfter)
    case "Unavailable":
      return unavailable(tagged.message ?? "unavailable; retry later", Math.max(1, Math.ceil(Duration.toSeconds((error as Unavailable).retryAfter))))
    case "BrokerError":
      return unavailable("the message broker is unreachable; retry later")
    case "ProviderError":
      return (error as { kind: string }).kind === "permanent"
        ? new ApiError(409, "conflict", `the provider refused: ${tagged.message ?? "no reason given"}`)
        : unavailable(`the provider could not be reached: ${tagged.message ?? "no reason given"}; retry later`)
    case "StorageError":
      return (error as { unavailable: boolean }).unavailable
        ? unavailable("the database is unreachable; retry later")
        : new ApiError(500, "internal_error", "internal error")
    default:
      return new ApiError(500, "internal_error", "internal error")
  }
}

const toApiError = (error: unknown): ApiError => {
  if (error instanceof ApiError) return error
  if (error instanceof HTTPException) {
    const code = exceptionCodes[error.status]
    return code === undefined
      ? new ApiError(500, "internal_error", "internal error")
      : new ApiError(error.status as ContentfulStatusCode, code, error.message || code)
  }
  if (error instanceof ProgramFailure) {
    if (Cause.isInterruptedOnly(error.failure)) return unavailable("the request was interrupted")
    return Option.match(Cause.failureOption(error.failure), {
      onNone: () => new ApiError(500, "internal_error", "internal error"),
      onSome: fromFailure
    })
  }
  return new ApiError(500, "internal_error", "internal error")
}

/** Hono's error handler: every error becomes the API.md error body; 5xx are logged with their cause. */
export const handleError = (log: (message: string, error: unknown) => void) => (error: Error, c: Context) => {
  const api = toApiError(error)
  if (api.status >= 500) {
    log(`${c.req.method} ${c.req.path} answered ${api.status}`, error instanceof ProgramFailure ? Cause.pretty(error.failure) : error)
  }
  for (const [name, value] of Object.entries(api.headers)) c.header(name, value)
  return c.json(errorBody(api.code, api.message, api.details), api.status)
}
