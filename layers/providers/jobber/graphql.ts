import { HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Option, ParseResult, Schema } from "effect"
import { ProviderError } from "../../../src/services/Providers.ts"
import { type ProviderHttp, scrub } from "../http.ts"

/** How much of the GraphQL error messages goes into a `ProviderError` message. */
const DETAIL_LIMIT = 300

const GraphQLError = Schema.Struct({
  message: Schema.String,
  path: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Number))),
  extensions: Schema.optional(Schema.Struct({ code: Schema.optional(Schema.String) }))
})
type GraphQLError = typeof GraphQLError.Type

const Cost = Schema.Struct({
  requestedQueryCost: Schema.optional(Schema.Number),
  actualQueryCost: Schema.optional(Schema.NullOr(Schema.Number)),
  throttleStatus: Schema.optional(Schema.Struct({
    maximumAvailable: Schema.Number,
    currentlyAvailable: Schema.Number,
    restoreRate: Schema.Number
  }))
})
type Cost = typeof Cost.Type

/** Every Jobber GraphQL answer: the data (decoded per operation afterwards), errors, and the query cost. */
const Envelope = Schema.Struct({
  data: Schema.optional(Schema.Unknown),
  errors: Schema.optional(Schema.Array(GraphQLError)),
  extensions: Schema.optional(Schema.Struct({ cost: Schema.optional(Cost) }))
})

/** One GraphQL operation: its document, variables and the schema of its `data`. */
export interface Operation<A, I> {
  /** The operation name, sent as `operationName` and used as the span name. */
  readonly name: string
  readonly query: string
  readonly variables: Readonly<Record<string, unknown>>
  readonly data: Schema.Schema<A, I>
  /** Reads: retried on transient failures, and errors on some fields (with a `path`) leave just those fields null. */
  readonly read: boolean
}

/**
 * The wait a THROTTLED answer implies: the points the query lacks, restored at `restoreRate` per second; none when the
 * answer does not say (the delivery pipeline then backs off on its own schedule).
 */
export const throttleWait = (cost: Cost | undefined): Option.Option<Duration.Duration> => {
  const status = cost?.throttleStatus
  if (cost?.requestedQueryCost === undefined || status === undefined || status.restoreRate <= 0) return Option.none()
  const missing = cost.requestedQueryCost - status.currentlyAvailable
  return missing > 0 ? Option.some(Duration.millis(Math.ceil((missing / status.restoreRate) * 1000))) : Option.none()
}

const codeOf = (error: GraphQLError) => error.extensions?.code?.toUpperCase()

/** The errors' messages, scrubbed before they are cut (a secret cut in half would leave its first half). */
const summary = (errors: ReadonlyArray<GraphQLError>, secrets: ReadonlyArray<string>) =>
  scrub(secrets, errors.map((e) => e.message).join("; ")).slice(0, DETAIL_LIMIT)

/**
 * What GraphQL errors mean: THROTTLED is rate limited, UNAUTHENTICATED is a 401 (so the token is refreshed once), any
 * other error fails the whole operation permanently (validation, permissions), except in reads where errors on single
 * fields (they carry a `path`) leave those fields null and the rest of the answer stands.
 */
const failureOf = <A, I>(
  operation: Operation<A, I>,
  answer: typeof Envelope.Type,
  secrets: ReadonlyArray<string>
): Option.Option<ProviderError> => {
  const errors = answer.errors ?? []
  if (errors.length === 0) return Option.none()
  const prefix = `jobber ${operation.name}`
  if (errors.some((e) => codeOf(e) === "THROTTLED")) {
    return Option.some(new ProviderError({
      kind: "rate_limited",
      message: `${prefix}: throttled (query cost over the available budget)`,
      retryAfter: throttleWait(answer.extensions?.cost)
    }))
  }
  if (errors.some((e) => codeOf(e) === "UNAUTHENTICATED")) {
    return Option.some(new ProviderError({ kind: "permanent", message: `${prefix}: unauthenticated`, retryAfter: Option.none(), status: 401 }))
  }
  const fieldErrorsOnly = errors.every((e) => e.path !== undefined && e.path.length > 0)
  if (operation.read && fieldErrorsOnly && answer.data !== undefined && answer.data !== null) return Option.none()
  return Option.some(new ProviderError({ kind: "permanent", message: `${prefix}: ${summary(errors, secrets)}`, retryAfter: Option.none() }))
}

const unexpected = <A, I>(operation: Operation<A, I>, error: ParseResult.ParseError) => {
  const where = ParseResult.ArrayFormatter.formatErrorSync(error).slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i._tag}`)
  return new ProviderError({
    kind: "retryable",
    message: `jobber ${operation.name}: unexpected answer (${where.join(", ")})`,
    retryAfter: Option.none(),
    outcomeUnknown: !operation.read
  })
}

/** How an operation is sent: the access token, the API version the account is pinned to, the secrets kept out of errors. */
export interface Session {
  readonly accessToken: string
  readonly version: string
  readonly secrets: ReadonlyArray<string>
}

/** Runs one operation in the session; answers its decoded `data`. */
export const execute = <A, I>(http: ProviderHttp, { accessToken, secrets, version }: Session, operation: Operation<A, I>) =>
  Effect.gen(function*() {
    const answer = yield* http.call(
      HttpClientRequest.post("/api/graphql").pipe(
        HttpClientRequest.setHeader("authorization", `Bearer ${accessToken}`),
        HttpClientRequest.setHeader("x-jobber-graphql-version", version),
        HttpClientRequest.bodyUnsafeJson({ operationName: operation.name, query: operation.query, variables: operation.variables })
      ),
      Envelope,
      { name: operation.name, idempotent: operation.read, secrets }
    )
    const failure = failureOf(operation, answer, secrets)
    if (Option.isSome(failure)) return yield* failure.value
    return yield* Schema.decodeUnknown(operation.data)(answer.data).pipe(Effect.mapError((error) => unexpected(operation, error)))
  })
