import type {
  Conflict,
  Forbidden,
  InvalidInput,
  InvalidReference,
  NotFound,
  RateLimited,
  Unauthorized,
  Unavailable
} from "../domain/errors.ts"
import type { BrokerError } from "../services/Broker.ts"
import type { ProviderError } from "../services/Providers.ts"
import type { StorageError } from "../services/StorageError.ts"
import { type ApiError, HttpAnswers } from "./answers.ts"

/** Every typed failure a route's program may fail with: `Run` takes no program whose error channel holds another. */
export type RouteFailure =
  | InvalidReference
  | InvalidInput
  | NotFound
  | Unauthorized
  | Forbidden
  | RateLimited
  | Conflict
  | Unavailable
  | BrokerError
  | ProviderError
  | StorageError

/** The HTTP answer to each failure, by its tag: a failure added to `RouteFailure` without an answer here does not compile. */
export const failureAnswers: { readonly [F in RouteFailure as F["_tag"]]: (failure: F) => ApiError } = {
  InvalidInput: (failure) => HttpAnswers.validationError(failure.message, failure.details),
  InvalidReference: (failure) => HttpAnswers.invalidReference(failure.message, failure.details),
  NotFound: (failure) => HttpAnswers.notFound(failure.message),
  Unauthorized: (failure) => HttpAnswers.unauthorized(failure.message),
  Forbidden: (failure) => HttpAnswers.forbidden(failure.message),
  Conflict: (failure) => HttpAnswers.conflict(failure.message),
  RateLimited: (failure) => HttpAnswers.rateLimited(failure.message, failure.retryAfter),
  Unavailable: (failure) => HttpAnswers.unavailableFor(failure.message, failure.retryAfter),
  BrokerError: () => HttpAnswers.unavailable("the message broker is unreachable; retry later"),
  ProviderError: (failure) =>
    failure.kind === "permanent"
      ? HttpAnswers.conflict(`the provider refused: ${failure.message}`)
      : HttpAnswers.unavailable(`the provider could not be reached: ${failure.message}; retry later`),
  StorageError: (failure) =>
    failure.unavailable ? HttpAnswers.unavailable("the database is unreachable; retry later") : HttpAnswers.internalError()
}

/** Maps a program's typed failure to its HTTP answer. */
export const fromFailure = (failure: RouteFailure): ApiError =>
  (failureAnswers[failure._tag] as (failure: RouteFailure) => ApiError)(failure)

const isRouteFailure = (failure: unknown): failure is RouteFailure =>
  typeof failure === "object" && failure !== null && "_tag" in failure && typeof failure._tag === "string" &&
  Object.hasOwn(failureAnswers, failure._tag)

/** Maps a failure whose type the compiler no longer knows (from a `Cause`); anything but a `RouteFailure` is a 500. */
export const fromUnknownFailure = (failure: unknown): ApiError =>
  isRouteFailure(failure) ? fromFailure(failure) : HttpAnswers.internalError()
