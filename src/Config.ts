import { Config, ConfigError, Duration, Either, LogLevel, Option, Redacted } from "effect"
import { decodeSecretKey } from "./domain/secretKey.ts"
import type { LogFormat } from "./Logging.ts"
import type { TracingOptions } from "./Tracing.ts"
import type { ArchiveOptions, DailyTime, DeliveryOptions, RetentionOptions, WebhookOptions } from "./services/Settings.ts"

/** Everything the service reads from its environment, validated at start-up. */
export interface AppConfig {
  readonly port: number
  readonly host: string
  /** Requests worked on at once before more are refused with 503. */
  readonly httpMaxInFlight: number
  readonly apiRateLimitPerMinute: number
  /** None: the embedded PostgreSQL (PGlite) in `dataDir`. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly dbPoolMax: number
  /** NATS servers as comma-separated URLs (one, or several of a cluster); none: the in-process broker. */
  readonly natsUrl: Option.Option<string>
  readonly dataDir: string
  readonly adminApiKey: Option.Option<Redacted.Redacted<string>>
  readonly secretsKey: Option.Option<Redacted.Redacted<string>>
  readonly secretsPreviousKeys: ReadonlyArray<Redacted.Redacted<string>>
  readonly matchMaxRoutings: number
  readonly matchMinScore: number
  readonly idempotencyTtl: Duration.Duration
  readonly natsPrefix: string
  /** Copies of each stream on separate servers of a JetStream cluster. */
  readonly natsStreamReplicas: number
  readonly delivery: DeliveryOptions
  readonly archive: ArchiveOptions
  readonly retention: RetentionOptions
  readonly webhooks: WebhookOptions
  readonly logLevel: LogLevel.LogLevel
  readonly logFormat: LogFormat
  readonly seedDemo: boolean
  /** Per-company labels on `/metrics`; off for large fleets. */
  readonly metricsCompanyLabels: boolean
  /** Outbound calls may reach loopback, link-local and private addresses, and plain http (local fakes, in-house receivers). */
  readonly outboundAllowPrivate: boolean
  readonly tracing: TracingOptions
  /** Jaeger's UI, for the dashboard's links to a job's trace. */
  readonly jaegerUiUrl: Option.Option<string>
}

/** A value that does not fit; the variable's name is added to the path by the `Config` it belongs to. */
const invalid = (message: string) => Either.left(ConfigError.InvalidData([], message))

/** A rule across variables, naming the one to fix. */
const fail = (name: string, message: string) => Either.left(ConfigError.InvalidData([name], message))

const number = (name: string, fallback: number, check: (n: number) => boolean, expected: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const value = Number(text)
      return text.trim() !== "" && Number.isFinite(value) && check(value)
        ? Either.right(value)
        : invalid(`expected ${expected}, got ${JSON.stringify(text)}`)
    }),
    Config.withDefault(fallback)
  )

const integer = (name: string, fallback: number, min: number, max: number) =>
  number(name, fallback, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`)

/** Whole days, from 1 to 100 years, in variables ending `_DAYS`. */
const days = (name: string, fallback: number) => integer(name, fallback, 1, 36_500).pipe(Config.map(Duration.days))

/** Durations are seconds, fractions allowed, in variables ending `_SECONDS`. */
const seconds = (name: `${string}_SECONDS`, fallback: number) =>
  number(name, fallback, (n) => n >= 0, "a number of seconds, 0 or more").pipe(Config.map(Duration.seconds))

/** A time of day as `HH:MM`, in UTC. */
const dailyTime = (name: string, fallback: DailyTime) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim())
      return match === null
        ? invalid(`expected a UTC time of day as HH:MM (00:00 to 23:59), got ${JSON.stringify(text)}`)
        : Either.right<DailyTime>({ hour: Number(match[1]), minute: Number(match[2]) })
    }),
    Config.withDefault(fallback)
  )

const logLevels: Record<string, LogLevel.LogLevel> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

const logLevel = Config.string("LOG_LEVEL").pipe(
  Config.mapOrFail((text) => {
    const level = logLevels[text.trim().toLowerCase()]
    return level === undefined ? invalid(`expected one of ${Object.keys(logLevels).join(", ")}, got ${JSON.stringify(text)}`) : Either.right(level)
  }),
  Config.withDefault(LogLevel.Info)
)

const logFormat = Config.string("LOG_FORMAT").pipe(
  Config.mapOrFail((text): Either.Either<LogFormat, ConfigError.ConfigError> => {
    const format = text.trim().toLowerCase()
    return format === "json" || format === "pretty" ? Either.right(format) : invalid(`expected json or pretty, got ${JSON.stringify(text)}`)
  }),
  Config.withDefault<LogFormat>("json")
)

const flag = (name: string, fallback = false) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const value = text.trim().toLowerCase()
      if (["1", "true", "yes", "on"].includes(value)) return Either.right(true)
      if (["", "0", "false", "no", "off"].includes(value)) return Either.right(false)
      return invalid(`expected 1 or 0 (true or false), got ${JSON.stringify(text)}`)
    }),
    Config.withDefault(fallback)
  )

/** Validated in the clear (no message repeats the value), then kept redacted so it never reaches a log. */
const redacted = (config: Config.Config<string>) => Config.map(config, (value) => Redacted.make(value))

const secretKey = (text: string) =>
  decodeSecretKey(text) === undefined
    ? invalid("expected 32 bytes as base64 or as 64 hex digits (make one: openssl rand -base64 32)")
    : Either.right(text)

/** What is wrong with a URL, or undefined when it parses with one of the schemes; never with its user and password. */
const urlProblem = (text: string, schemes: ReadonlyArray<string>): string | undefined => {
  try {
    const parsed = new URL(text)
    return schemes.includes(parsed.protocol) ? undefined : `expected a ${schemes.join(" or ")} URL, got ${parsed.protocol}//${parsed.host}`
  } catch {
    return "expected a URL"
  }
}

const url = (name: string, schemes: ReadonlyArray<string>) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const problem = urlProblem(text, schemes)
      return problem === undefined ? Either.right(text) : invalid(problem)
    })
  )

/** URLs separated by commas, each checked; a bad one is named by its place in the list. Answers them joined by commas. */
const urls = (name: string, schemes: ReadonlyArray<string>) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const entries = text.split(",").map((entry) => entry.trim())
      for (const [index, entry] of entries.entries()) {
        const problem = urlProblem(entry, schemes)
        if (problem !== undefined) return invalid(entries.length > 1 ? `entry ${index + 1} of ${entries.length}: ${problem}` : problem)
      }
      return Either.right(entries.join(","))
    })
  )

/** `key=value` pairs separated by commas, values percent-encoded, as in `OTEL_RESOURCE_ATTRIBUTES`. */
const keyValues = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const entries: Array<[string, string]> = []
      for (const pair of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
        const at = pair.indexOf("=")
        const key = pair.slice(0, at).trim()
        if (at < 1 || key === "") return invalid("expected key=value pairs separated by commas")
        try {
          entries.push([key, decodeURIComponent(pair.slice(at + 1).trim())])
        } catch {
          return invalid(`the value of ${key} is not percent-encoded`)
        }
      }
      return Either.right<Readonly<Record<string, string>>>(Object.fromEntries(entries))
    }),
    Config.withDefault<Readonly<Record<string, string>>>({})
  )

/** The standard OpenTelemetry variables the service honours (the OTLP exporter reads its own endpoint and headers). */
const tracing = Config.all({
  disabled: flag("OTEL_SDK_DISABLED"),
  detailedSpans: flag("OTEL_DETAILED_SPANS"),
  serviceName: Config.nonEmptyString("OTEL_SERVICE_NAME").pipe(Config.withDefault("service-integration")),
  resourceAttributes: keyValues("OTEL_RESOURCE_ATTRIBUTES"),
  endpoint: Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT")),
  tracesEndpoint: Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
  exporter: Config.literal("otlp", "none")("OTEL_TRACES_EXPORTER").pipe(Config.withDefault("otlp"))
}).pipe(Config.map(({ endpoint, exporter, tracesEndpoint, ...rest }): TracingOptions => ({
  ...rest,
  exportOtlp: exporter === "otlp" && (Option.isSome(endpoint) || Option.isSome(tracesEndpoint))
})))

/** What reaching the database takes; all `npm run migrate` reads. */
export const storageConfig = Config.all({
  databaseUrl: Config.option(redacted(url("DATABASE_URL", ["postgres:", "postgresql:"]))),
  dbPoolMax: integer("DB_POOL_MAX", 10, 1, 200),
  dataDir: Config.nonEmptyString("DATA_DIR").pipe(Config.withDefault(".data")),
  logLevel,
  logFormat
})

/** An admin key shorter than this is refused at start-up: it could be guessed. */
const MIN_ADMIN_KEY_LENGTH = 32

const fields = Config.all({
  storage: storageConfig,
  port: integer("PORT", 3000, 0, 65535),
  host: Config.nonEmptyString("HOST").pipe(Config.withDefault("127.0.0.1")),
  httpMaxInFlight: integer("HTTP_MAX_IN_FLIGHT", 64, 1, 100_000),
  apiRateLimitPerMinute: integer("API_RATE_LIMIT_PER_MINUTE", 6000, 1, 10_000_000),
  natsUrl: Config.option(urls("NATS_URL", ["nats:", "tls:", "ws:", "wss:"])),
  adminApiKey: Config.option(redacted(Config.nonEmptyString("ADMIN_API_KEY").pipe(
    Config.mapOrFail((key) =>
      key.length >= MIN_ADMIN_KEY_LENGTH
        ? Either.right(key)
        : invalid(`expected at least ${MIN_ADMIN_KEY_LENGTH} characters (make one: openssl rand -hex 24)`)
    )
  ))),
  secretsKey: Config.option(redacted(Config.string("SECRETS_KEY").pipe(Config.mapOrFail(secretKey)))),
  secretsPreviousKeys: Config.string("SECRETS_PREVIOUS_KEYS").pipe(
    Config.mapOrFail((text): Either.Either<ReadonlyArray<Redacted.Redacted<string>>, ConfigError.ConfigError> => {
      const keys = text.split(",").map((k) => k.trim()).filter((k) => k !== "")
      return keys.every((k) => decodeSecretKey(k) !== undefined)
        ? Either.right(keys.map((k) => Redacted.make(k)))
        : invalid("expected comma-separated keys, each 32 bytes as base64 or 64 hex digits")
    }),
    Config.withDefault<ReadonlyArray<Redacted.Redacted<string>>>([])
  ),
  matchMaxRoutings: integer("MATCH_MAX_ROUTINGS", 3, 1, 50),
  matchMinScore: number("MATCH_MIN_SCORE", 1.0, (n) => n >= 0, "a number, 0 or more"),
  idempotencyTtl: seconds("IDEMPOTENCY_TTL_SECONDS", 24 * 60 * 60),
  natsPrefix: Config.string("NATS_PREFIX").pipe(
    Config.mapOrFail((text) =>
      /^[A-Za-z0-9_-]{1,32}$/.test(text) ? Either.right(text) : invalid("expected 1 to 32 letters, digits, '_' or '-'")
    ),
    Config.withDefault("si")
  ),
  natsStreamReplicas: integer("NATS_STREAM_REPLICAS", 1, 1, 5),
  delivery: Config.all({
    attempts: integer("DELIVERY_ATTEMPTS", 8, 1, 100),
    providerTimeout: seconds("PROVIDER_TIMEOUT_SECONDS", 10),
    retryBase: seconds("RETRY_BASE_SECONDS", 1),
    retryMaxDelay: seconds("RETRY_MAX_DELAY_SECONDS", 300),
    circuitThreshold: integer("CIRCUIT_FAILURE_THRESHOLD", 5, 1, 1000),
    circuitCooldown: seconds("CIRCUIT_COOLDOWN_SECONDS", 30),
    rateLimitedGiveUp: integer("RATE_LIMITED_GIVE_UP_HOURS", 24, 1, 8760).pipe(Config.map(Duration.hours)),
    reconcileAfter: seconds("RECONCILE_AFTER_SECONDS", 60),
    relayPoll: seconds("RELAY_POLL_SECONDS", 0.25),
    relayBatch: integer("RELAY_BATCH_SIZE", 100, 1, 1000),
    shutdownTimeout: seconds("SHUTDOWN_TIMEOUT_SECONDS", 15),
    pollInterval: seconds("POLL_INTERVAL_SECONDS", 1800),
    reconcileAllAt: dailyTime("RECONCILE_ALL_AT", { hour: 4, minute: 0 }),
    partitions: integer("DELIVERY_PARTITIONS", 32, 1, 1024),
    partitionMaxAckPending: integer("DELIVERY_MAX_ACK_PENDING", 1000, 1, 100_000),
    partitionLease: integer("PARTITION_LEASE_SECONDS", 10, 3, 300).pipe(Config.map(Duration.seconds))
  }),
  archive: Config.all({
    after: days("ARCHIVE_AFTER_DAYS", 90),
    at: dailyTime("ARCHIVE_AT", { hour: 3, minute: 30 }),
    batch: integer("ARCHIVE_BATCH_SIZE", 500, 1, 10_000)
  }),
  retention: Config.all({
    webhookDeliveries: days("WEBHOOK_DELIVERY_RETENTION_DAYS", 30),
    mockLeads: days("MOCK_LEAD_RETENTION_DAYS", 30),
    archivedJobs: days("ARCHIVE_RETENTION_DAYS", 365)
  }),
  webhooks: Config.all({
    maxFailures: integer("WEBHOOK_MAX_FAILURES", 10, 1, 10_000),
    attempts: integer("WEBHOOK_ATTEMPTS", 12, 1, 100),
    timeout: seconds("WEBHOOK_TIMEOUT_SECONDS", 10),
    retryBase: seconds("WEBHOOK_RETRY_BASE_SECONDS", 1),
    retryMaxDelay: seconds("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 3600),
    poll: seconds("WEBHOOK_POLL_SECONDS", 0.5)
  }),
  seedDemo: flag("SEED_DEMO"),
  metricsCompanyLabels: flag("METRICS_COMPANY_LABELS", true),
  outboundAllowPrivate: flag("OUTBOUND_ALLOW_PRIVATE"),
  tracing,
  jaegerUiUrl: Config.option(url("JAEGER_UI_URL", ["http:", "https:"]).pipe(Config.map((text) => text.replace(/\/+$/, ""))))
}).pipe(Config.map(({ storage, ...rest }): AppConfig => ({ ...storage, ...rest })))

/** On a real database the keys must be given: the embedded default is the only place the service makes its own. */
export const appConfig: Config.Config<AppConfig> = fields.pipe(
  Config.mapOrFail((config): Either.Either<AppConfig, ConfigError.ConfigError> => {
    if (Option.isNone(config.databaseUrl)) return Either.right(config)
    if (Option.isNone(config.secretsKey)) {
      return fail("SECRETS_KEY", "required when DATABASE_URL is set (make one: openssl rand -base64 32)")
    }
    if (Option.isNone(config.adminApiKey)) return fail("ADMIN_API_KEY", "required when DATABASE_URL is set")
    return Either.right(config)
  })
)

/** A configuration error as one line naming each bad variable. */
export const formatConfigError = (error: ConfigError.ConfigError): string => {
  const lines: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "InvalidData":
      case "MissingData":
      case "SourceUnavailable":
      case "Unsupported":
        lines.push(`${e.path.join(".")}: ${e.message}`)
    }
  }
  walk(error)
  return `configuration error: ${[...new Set(lines)].join("; ")}`
}
