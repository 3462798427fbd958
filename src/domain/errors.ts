import { Schema } from "effect"

/** One bad field of a request: its dotted path and what is wrong with it. */
export const ErrorDetail = Schema.Struct({ path: Schema.String, message: Schema.String })
export type ErrorDetail = typeof ErrorDetail.Type

/** Input that is well-formed but refers to things that do not exist or do not fit together (HTTP 422). */
export class InvalidReference extends Schema.TaggedError<InvalidReference>()("InvalidReference", {
  message: Schema.String,
  details: Schema.Array(ErrorDetail)
}) {}

/** Input that is well-formed but out of the range the service takes, as only the clock can tell (HTTP 400). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
  details: Schema.Array(ErrorDetail)
}) {}

/** No `resource` has the id `id` (HTTP 404). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  resource: Schema.String,
  id: Schema.String
}) {
  override get message() {
    return `${this.resource} ${this.id} not found`
  }
}

/** The caller sent no API key that works (HTTP 401). */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}) {}

/** The caller's key may not do this (HTTP 403). */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String
}) {}

/** Too many requests: the caller may try again after `retryAfter` (HTTP 429). */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  message: Schema.String,
  retryAfter: Schema.DurationFromSelf
}) {}

/** The request clashes with the state of what it acts on (HTTP 409). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String
}) {}

/** The work cannot be done now; the caller may try again after `retryAfter` (HTTP 503). */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  message: Schema.String,
  retryAfter: Schema.DurationFromSelf
}) {}
