import { Either, ParseResult, Schema } from "effect"
import type { ErrorDetail } from "./errors.ts"
import type { ProviderType } from "./company.ts"

/** An absolute http(s) URL without credentials, query or fragment; kept without a trailing slash. */
const BaseUrl = Schema.String.pipe(
  Schema.filter((text) => {
    if (!URL.canParse(text)) return "must be an absolute URL"
    const url = new URL(text)
    if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http or https URL"
    if (url.username !== "" || url.password !== "") return "must not carry credentials"
    if (url.search !== "" || url.hash !== "") return "must not carry a query or fragment"
    return true
  }),
  Schema.transform(Schema.String, { strict: true, decode: (text) => text.replace(/\/+$/, ""), encode: (text) => text })
)

const baseUrl = (fallback: string) => Schema.optionalWith(BaseUrl, { default: () => fallback })

/** An identifier sent in a path or body: a non-empty string or a non-negative integer, kept as text. */
const IdText = Schema.Union(
  Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(128)),
  Schema.Int.pipe(Schema.nonNegative(), Schema.transform(Schema.String, { strict: true, decode: String, encode: Number }))
).annotations({ message: () => ({ message: "must be a non-empty string or a non-negative integer", override: true }) })

/** A positive integer id (ServiceTitan's campaign, business unit and job type). */
const PositiveId = Schema.Int.pipe(Schema.positive()).annotations({
  message: () => ({ message: "must be a positive integer", override: true })
})

const Secret = Schema.NonEmptyString.pipe(Schema.maxLength(4096)).annotations({
  message: () => ({ message: "must be a non-empty string of at most 4096 characters", override: true })
})

export const SERVICETITAN_API = "https://api.servicetitan.io"
export const SERVICETITAN_AUTH = "https://auth.servicetitan.io"
export const HOUSECALLPRO_API = "https://api.housecallpro.com"
export const JOBBER_API = "https://api.getjobber.com"
export const JOBBER_GRAPHQL_VERSION = "2025-01-20"

export const ServiceTitanConfig = Schema.Struct({
  tenant_id: IdText,
  /** Without one, leads are created through `/leads`, which cannot be looked up by our reference. */
  booking_provider: Schema.optional(IdText),
  campaign_id: PositiveId,
  business_unit_id: PositiveId,
  job_type_id: PositiveId,
  api_base_url: baseUrl(SERVICETITAN_API),
  auth_base_url: baseUrl(SERVICETITAN_AUTH)
})
export type ServiceTitanConfig = typeof ServiceTitanConfig.Type

export const ServiceTitanCredentials = Schema.Struct({ client_id: Secret, client_secret: Secret, app_key: Secret })
export type ServiceTitanCredentials = typeof ServiceTitanCredentials.Type

export const HousecallProConfig = Schema.Struct({ api_base_url: baseUrl(HOUSECALLPRO_API) })
export type HousecallProConfig = typeof HousecallProConfig.Type

export const HousecallProCredentials = Schema.Struct({ api_key: Secret })
export type HousecallProCredentials = typeof HousecallProCredentials.Type

export const JobberConfig = Schema.Struct({
  api_base_url: baseUrl(JOBBER_API),
  graphql_version: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, {
    message: () => "must be a date such as 2025-01-20"
  })), { default: () => JOBBER_GRAPHQL_VERSION })
})
export type JobberConfig = typeof JobberConfig.Type

/** The access token may be left out: one is fetched with the refresh token. */
export const JobberCredentials = Schema.Struct({
  client_id: Secret,
  client_secret: Secret,
  access_token: Schema.optional(Secret),
  refresh_token: Secret
})
export type JobberCredentials = typeof JobberCredentials.Type

const rate = Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0 })

export const MockConfig = Schema.Struct({
  latency_ms: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 60_000)), { default: () => 0 }),
  failure_rate: rate,
  rate_limited_rate: rate,
  /** Seconds between the statuses a lead goes through (pending, scheduled, in progress, completed). */
  status_step_seconds: Schema.optionalWith(Schema.Number.pipe(Schema.between(1, 86_400)), { default: () => 60 })
})
export type MockConfig = typeof MockConfig.Type

/** The config and credentials schemas of each provider type; `null` credentials: the type takes none. */
export const providerSchemas = {
  servicetitan: { config: ServiceTitanConfig, credentials: ServiceTitanCredentials },
  housecallpro: { config: HousecallProConfig, credentials: HousecallProCredentials },
  jobber: { config: JobberConfig, credentials: JobberCredentials },
  mock: { config: MockConfig, credentials: null }
} as const

const messageOf = (issue: ParseResult.ArrayFormatterIssue) =>
  issue._tag === "Unexpected" ? "is not a field of this provider type" : issue._tag === "Missing" ? "is required" : issue.message

/** One detail per path: the first issue found there (a union reports one issue per member). */
const issues = (prefix: string, error: ParseResult.ParseError): ReadonlyArray<ErrorDetail> => {
  const byPath = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = [prefix, ...issue.path.map(String)].join(".")
    if (!byPath.has(path)) byPath.set(path, messageOf(issue))
  }
  return [...byPath].map(([path, message]) => ({ path, message }))
}

/**
 * What is wrong with a provider's config and credentials for its type, each named by its path (`provider.config.x`,
 * `provider.credentials.y`); empty when both are right. `credentials` null: none given (nor stored).
 */
export const providerSettingsIssues = (
  type: ProviderType,
  config: unknown,
  credentials: unknown | null
): ReadonlyArray<ErrorDetail> => {
  const schemas = providerSchemas[type]
  const options = { errors: "all", onExcessProperty: "error" } as const
  const configIssues = Either.match(Schema.decodeUnknownEither(schemas.config as Schema.Schema<unknown, unknown>)(config, options), {
    onLeft: (error) => issues("provider.config", error),
    onRight: () => []
  })
  if (schemas.credentials === null) {
    const given = credentials !== null && Object.keys(credentials as object).length > 0
    return given ? [...configIssues, { path: "provider.credentials", message: `the ${type} provider takes no credentials` }] : configIssues
  }
  if (credentials === null) return [...configIssues, { path: "provider.credentials", message: `required for ${type}` }]
  const decoded = Schema.decodeUnknownEither(schemas.credentials as Schema.Schema<unknown, unknown>)(credentials, options)
  return Either.isLeft(decoded) ? [...configIssues, ...issues("provider.credentials", decoded.left)] : configIssues
}
