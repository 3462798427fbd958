import { Cause, Option } from "effect"
import type { Context } from "hono"
import { HTTPException } from "hono/http-exception"
import type { ZodError } from "zod"
import type { ErrorDetail } from "../domain/errors.ts"
import { ApiError, HttpAnswers, respond } from "./answers.ts"
import { fromUnknownFailure } from "./failureAnswers.ts"

/** The failure of an Effect program run for a request. */
export class ProgramFailure extends Error {
  constructor(readonly failure: Cause.Cause<unknown>) {
    super("program failed")
  }
}

/** The `details` of a validation error: each bad field by its dotted path. */
export const zodDetails = (error: ZodError): Array<ErrorDetail> =>
  error.issues.flatMap((issue) => {
    const path = issue.path.map(String)
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key].join("."), message: "unknown field" }))
    }
    return [{ path: path.length === 0 ? "body" : path.join("."), message: issue.message }]
  })

const toApiError = (error: unknown): ApiError => {
  if (error instanceof ApiError) return error
  if (error instanceof HTTPException) return HttpAnswers.httpException(error.status, error.message)
  if (error instanceof ProgramFailure) {
    if (Cause.isInterruptedOnly(error.failure)) return HttpAnswers.unavailable("the request was interrupted")
    return Option.match(Cause.failureOption(error.failure), {
      onNone: HttpAnswers.internalError,
      onSome: fromUnknownFailure
    })
  }
  return HttpAnswers.internalError()
}

/** Hono's error handler: every error becomes the API.md error body; 5xx are logged with their cause. */
export const handleError = (log: (message: string, error: unknown) => void) => (error: Error, c: Context) => {
  const api = toApiError(error)
  if (api.status >= 500) {
    log(`${c.req.method} ${c.req.path} answered ${api.status}`, error instanceof ProgramFailure ? Cause.pretty(error.failure) : error)
  }
  return respond(c, api)
}
