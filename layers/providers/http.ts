import { Headers, HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Clock, Duration, Effect, Option, ParseResult, Schema } from "effect"
import { providerTransientRetry } from "../../src/Schedules.ts"
import { ProviderError } from "../../src/services/Providers.ts"
import { failureMessage, readAnswer } from "../outbound.ts"

/** Headers that carry credentials, kept out of spans besides the platform's own (`authorization`, `x-api-key`, ...). */
const SECRET_HEADERS = ["st-app-key"]

/** How much of an error answer's body goes into the error message. */
const DETAIL_LIMIT = 300

/** A `Retry-After` value: delay seconds, or an HTTP date. */
export const parseRetryAfter = (value: string | undefined, nowMs: number): Option.Option<Duration.Duration> => {
  if (value === undefined || value.trim() === "") return Option.none()
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Option.some(Duration.seconds(seconds))
  const at = Date.parse(value)
  return Number.isNaN(at) ? Option.none() : Option.some(Duration.millis(Math.max(0, at - nowMs)))
}

/** The gist of an error answer's body: its title, message or error fields where it has them, else its start. */
const detailOf = (body: string) => {
  try {
    const json = JSON.parse(body) as Record<string, unknown>
    const parts = [json["title"], json["message"], json["error_description"] ?? json["error"]]
      .filter((part): part is string => typeof part === "string")
    if (json["errors"] !== undefined && typeof json["errors"] === "object") parts.push(JSON.stringify(json["errors"]))
    if (parts.length > 0) return parts.join(": ").slice(0, DETAIL_LIMIT)
  } catch {
    // not JSON: the text itself
  }
  return body.replace(/\s+/g, " ").trim().slice(0, DETAIL_LIMIT)
}

/** The text with these secrets blanked out; done before any truncation, so no part of a secret is left. */
export const scrub = (secrets: ReadonlyArray<string>, text: string) =>
  secrets.filter((secret) => secret !== "").reduce((blanked, secret) => blanked.split(secret).join("[redacted]"), text)

/**
 * What an answer that is not a success means: 429 rate limited; 408 and 5xx retryable; a redirect (never followed) and
 * any other 4xx permanent. The body, read within the answer limit, is scrubbed of `secrets` before it is cut to its gist.
 */
const errorForAnswer = (
  provider: string,
  response: HttpClientResponse.HttpClientResponse,
  nowMs: number,
  secrets: ReadonlyArray<string>
) =>
  Effect.map(Effect.orElseSucceed(readAnswer(response), () => ""), (body) => {
    const status = response.status
    const redirect = status >= 300 && status < 400 ? " (a redirect, not followed)" : ""
    const message = `${provider} answered ${status}${redirect}${body === "" ? "" : `: ${detailOf(scrub(secrets, body))}`}`
    if (status === 429) {
      return new ProviderError({ kind: "rate_limited", message, retryAfter: parseRetryAfter(response.headers["retry-after"], nowMs), status })
    }
    const kind = status === 408 || status >= 500 ? "retryable" : "permanent"
    return new ProviderError({ kind, message, retryAfter: Option.none(), status })
  })

/** Paths and kinds of what did not decode, never the values (an answer may hold a token). */
const shapeIssues = (error: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i._tag}`).join(", ")

export interface ProviderHttpOptions {
  /** The provider's name, in messages and spans. */
  readonly provider: string
  readonly baseUrl: string
  /** Bound on one request, answer included. */
  readonly timeout: Duration.Duration
}

/** One call: what it is (the span name) and whether repeating it is harmless (reads and token requests). */
export interface CallOptions {
  readonly name: string
  readonly idempotent: boolean
  /** Credentials the request carries, blanked out of any error message should the answer echo them. */
  readonly secrets?: ReadonlyArray<string>
}

/** The error with these secrets blanked out of its message. */
const scrubbed = (secrets: ReadonlyArray<string>) => (error: ProviderError): ProviderError => {
  const message = scrub(secrets, error.message)
  return message === error.message ? error : new ProviderError({
    kind: error.kind,
    message,
    retryAfter: error.retryAfter,
    ...(error.outcomeUnknown === undefined ? {} : { outcomeUnknown: error.outcomeUnknown }),
    ...(error.status === undefined ? {} : { status: error.status })
  })
}

/**
 * A provider's HTTP pipeline: requests relative to its base URL, JSON accepted, each bounded by the timeout, answers
 * decoded with a schema at the boundary, failures classified as `ProviderError`s. Idempotent calls are retried on
 * transient failures by `providerTransientRetry`; the others are left to the delivery pipeline, which looks the lead up
 * first when their outcome is unknown.
 */
export const makeProviderHttp = (options: ProviderHttpOptions) =>
  Effect.map(HttpClient.HttpClient, (platformClient) => {
    const client = platformClient.pipe(
      HttpClient.mapRequest((request) => HttpClientRequest.acceptJson(HttpClientRequest.prependUrl(request, options.baseUrl)))
    )
    const transportError = (call: CallOptions, message: string) =>
      new ProviderError({
        kind: "retryable",
        message: `${options.provider} ${call.name}: ${message}`,
        retryAfter: Option.none(),
        outcomeUnknown: !call.idempotent
      })

    const send = <A, I>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>, call: CallOptions) =>
      Effect.gen(function*() {
        const response = yield* client.execute(request).pipe(
          Effect.mapError((error) => transportError(call, failureMessage(error)))
        )
        if (response.status < 200 || response.status >= 300) {
          return yield* Effect.flip(errorForAnswer(options.provider, response, yield* Clock.currentTimeMillis, call.secrets ?? []))
        }
        const text = yield* readAnswer(response).pipe(
          Effect.mapError((error) => transportError(call, error._tag === "AnswerTooLarge" ? error.message : "the answer could not be read"))
        )
        const body = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => transportError(call, "the answer was not JSON") })
        return yield* Schema.decodeUnknown(schema)(body).pipe(
          Effect.mapError((error) => transportError(call, `unexpected answer (${shapeIssues(error)})`))
        )
      }).pipe(
        Effect.timeoutFail({
          duration: options.timeout,
          onTimeout: () => transportError(call, `no answer within ${Duration.format(options.timeout)}`)
        }),
        Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, ...SECRET_HEADERS]),
        Effect.mapError(scrubbed(call.secrets ?? [])),
        // The HTTP client's own span (a child of this one) is the client span, with the request's attributes.
        Effect.withSpan(`${options.provider}.${call.name}`, { attributes: { "provider.name": options.provider } })
      )

    return {
      /** Sends the request and decodes a 2xx answer's JSON body with `schema`. */
      call: <A, I>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>, call: CallOptions) =>
        call.idempotent
          ? send(request, schema, call).pipe(Effect.retry({ schedule: providerTransientRetry, while: (e) => e.kind === "retryable" }))
          : send(request, schema, call)
    }
  })

export type ProviderHttp = Effect.Effect.Success<ReturnType<typeof makeProviderHttp>>
