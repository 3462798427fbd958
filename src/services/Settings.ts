import { Config, Context, Duration, type Effect, Either, Layer, Option } from "effect"
import { dailyTime, days, flag, integer, invalid, number, seconds, serviceName, shutdownTimeout, url } from "../Config.ts"
import type { MatchLimits } from "../domain/matching.ts"

/** How many companies a job is routed to, and the lowest score that still gets a routing. */
export class MatchSettings extends Context.Tag("MatchSettings")<MatchSettings, MatchLimits>() {
  /** `MATCH_MAX_ROUTINGS`, `MATCH_MIN_SCORE`. */
  static readonly config: Config.Config<MatchLimits> = Config.all({
    maxRoutings: integer("MATCH_MAX_ROUTINGS", 3, 1, 50),
    minScore: number("MATCH_MIN_SCORE", 1.0, (n) => n >= 0, "a number, 0 or more")
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** How long an `Idempotency-Key` is remembered. */
export class IdempotencySettings extends Context.Tag("IdempotencySettings")<IdempotencySettings, {
  readonly ttl: Duration.Duration
}>() {
  /** `IDEMPOTENCY_TTL_SECONDS`. */
  static readonly config = Config.all({ ttl: seconds("IDEMPOTENCY_TTL_SECONDS", 24 * 60 * 60) })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** The SHA-256 of the admin key from configuration, when one is set. */
export class AdminKey extends Context.Tag("AdminKey")<AdminKey, { readonly hash: string | null }>() {}

/** How routings are delivered to providers. */
export interface DeliveryOptions {
  /** Provider calls per routing before it is `failed`. */
  readonly attempts: number
  /** A provider call that takes longer has an unknown outcome. */
  readonly providerTimeout: Duration.Duration
  /** First wait before a retry; each next one doubles (±25 %), up to `retryMaxDelay`. */
  readonly retryBase: Duration.Duration
  readonly retryMaxDelay: Duration.Duration
  /** Consecutive failures that open a company's circuit, and the first wait before a half-open probe. */
  readonly circuitThreshold: number
  readonly circuitCooldown: Duration.Duration
  /** A routing its provider has answered only 429 for this long, from the first of those answers, is `failed`. */
  readonly rateLimitedGiveUp: Duration.Duration
  /** A routing waiting this long with no message in its company's queue is queued again. */
  readonly reconcileAfter: Duration.Duration
  /** How often the outbox relay looks for events when no notification wakes it. */
  readonly relayPoll: Duration.Duration
  readonly relayBatch: number
  /** How long shutdown lets deliveries in flight finish. */
  readonly shutdownTimeout: Duration.Duration
  /** How often delivered leads are polled for their status, unless the company says otherwise. */
  readonly pollInterval: Duration.Duration
  /** When, every day, every company's open leads are polled, whenever they were last (`RECONCILE_ALL_AT`). */
  readonly reconcileAllAt: DailyTime
  /** Partitions of the work stream: a fixed number, whatever the size of the fleet. */
  readonly partitions: number
  /** Messages a partition's consumer hands out before some are settled. */
  readonly partitionMaxAckPending: number
  /** How long a replica's hold on a partition lasts without renewal: a replica that died loses its partitions after it. */
  readonly partitionLease: Duration.Duration
}

/** How routings are delivered: `DELIVERY_*`, `RETRY_*`, `CIRCUIT_*`, `RELAY_*` and the other variables of `config`. */
export class DeliverySettings extends Context.Tag("DeliverySettings")<DeliverySettings, DeliveryOptions>() {
  /** The delivery variables, with their defaults. */
  static readonly config: Config.Config<DeliveryOptions> = Config.all({
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
    shutdownTimeout,
    pollInterval: seconds("POLL_INTERVAL_SECONDS", 1800),
    reconcileAllAt: dailyTime("RECONCILE_ALL_AT", { hour: 4, minute: 0 }),
    partitions: integer("DELIVERY_PARTITIONS", 32, 1, 1024),
    partitionMaxAckPending: integer("DELIVERY_MAX_ACK_PENDING", 1000, 1, 100_000),
    partitionLease: integer("PARTITION_LEASE_SECONDS", 10, 3, 300).pipe(Config.map(Duration.seconds))
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** What `/metrics` exposes: per-company labels can be switched off for large fleets. */
export class MetricsSettings extends Context.Tag("MetricsSettings")<MetricsSettings, { readonly companyLabels: boolean }>() {
  /** `METRICS_COMPANY_LABELS`, on unless set off. */
  static readonly config = Config.all({ companyLabels: flag("METRICS_COMPANY_LABELS", true) })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** How many requests the HTTP API works on at once; more are refused with 503 until some finish. */
export class HttpSettings extends Context.Tag("HttpSettings")<HttpSettings, {
  readonly maxInFlight: number
  /** Requests each API key may make a minute (`API_RATE_LIMIT_PER_MINUTE`). */
  readonly keyRateLimitPerMinute: number
}>() {
  /** `HTTP_MAX_IN_FLIGHT`, `API_RATE_LIMIT_PER_MINUTE`. */
  static readonly config = Config.all({
    maxInFlight: integer("HTTP_MAX_IN_FLIGHT", 64, 1, 100_000),
    keyRateLimitPerMinute: integer("API_RATE_LIMIT_PER_MINUTE", 6000, 1, 10_000_000)
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** What the dashboard links to: Jaeger's UI (null when there is none), where this service's traces are under `serviceName`. */
export class DashboardSettings extends Context.Tag("DashboardSettings")<DashboardSettings, {
  readonly jaegerUiUrl: string | null
  readonly serviceName: string
}>() {
  /** `JAEGER_UI_URL` (none by default), `OTEL_SERVICE_NAME`. */
  static readonly config = Config.all({
    jaegerUiUrl: Config.option(url("JAEGER_UI_URL", ["http:", "https:"]).pipe(Config.map((text) => text.replace(/\/+$/, "")))).pipe(
      Config.map(Option.getOrNull)
    ),
    serviceName
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** The prefix of every stream, subject and consumer name the service owns. */
export class BrokerPrefix extends Context.Tag("BrokerPrefix")<BrokerPrefix, string>() {
  /** `NATS_PREFIX`, `si` by default. */
  static readonly config = Config.string("NATS_PREFIX").pipe(
    Config.mapOrFail((text) =>
      /^[A-Za-z0-9_-]{1,32}$/.test(text) ? Either.right(text) : invalid("expected 1 to 32 letters, digits, '_' or '-'")
    ),
    Config.withDefault("si")
  )
  /** The prefix as the environment sets it. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** Copies of each stream the service creates, on separate servers of a JetStream cluster: `NATS_STREAM_REPLICAS`. */
export class StreamReplicas extends Context.Tag("StreamReplicas")<StreamReplicas, number>() {
  /** `NATS_STREAM_REPLICAS`, 1 by default. */
  static readonly config = integer("NATS_STREAM_REPLICAS", 1, 1, 5)
  /** The number as the environment sets it. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** A time of day in UTC. */
export interface DailyTime {
  readonly hour: number
  readonly minute: number
}

/** When and how finished jobs are archived. */
export interface ArchiveOptions {
  /** Finished jobs unchanged this long are archived. */
  readonly after: Duration.Duration
  /** When the daily run starts. */
  readonly at: DailyTime
  /** Jobs moved per transaction, and published outbox events deleted per statement. */
  readonly batch: number
}

/** The archive run's settings: `ARCHIVE_AFTER_DAYS`, `ARCHIVE_AT`, `ARCHIVE_BATCH_SIZE`. */
export class ArchiveSettings extends Context.Tag("ArchiveSettings")<ArchiveSettings, ArchiveOptions>() {
  /** The archive variables, with their defaults. */
  static readonly config: Config.Config<ArchiveOptions> = Config.all({
    after: days("ARCHIVE_AFTER_DAYS", 90),
    at: dailyTime("ARCHIVE_AT", { hour: 3, minute: 30 }),
    batch: integer("ARCHIVE_BATCH_SIZE", 500, 1, 10_000)
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** How long rows kept only to look back at are kept before the retention sweep deletes them. */
export interface RetentionOptions {
  /** Finished webhook deliveries and their attempts, from when the delivery was enqueued. */
  readonly webhookDeliveries: Duration.Duration
  /** The mock provider's leads, from when it received them. */
  readonly mockLeads: Duration.Duration
  /** Archived jobs, from when they were archived. */
  readonly archivedJobs: Duration.Duration
}

/** The retention settings: `WEBHOOK_DELIVERY_RETENTION_DAYS`, `MOCK_LEAD_RETENTION_DAYS`, `ARCHIVE_RETENTION_DAYS`. */
export class RetentionSettings extends Context.Tag("RetentionSettings")<RetentionSettings, RetentionOptions>() {
  /** The retention variables, with their defaults. */
  static readonly config: Config.Config<RetentionOptions> = Config.all({
    webhookDeliveries: days("WEBHOOK_DELIVERY_RETENTION_DAYS", 30),
    mockLeads: days("MOCK_LEAD_RETENTION_DAYS", 30),
    archivedJobs: days("ARCHIVE_RETENTION_DAYS", 365)
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** How webhooks are delivered. */
export interface WebhookOptions {
  /** Events in a row given up (every attempt failed) after which a hook is disabled. */
  readonly maxFailures: number
  /** Attempts per delivery before it is `failed`. */
  readonly attempts: number
  /** A receiver taking longer has failed the attempt. */
  readonly timeout: Duration.Duration
  /** First wait before a retry; each next one doubles (±25 %), up to `retryMaxDelay`. */
  readonly retryBase: Duration.Duration
  readonly retryMaxDelay: Duration.Duration
  /** How often the sender looks for due deliveries. */
  readonly poll: Duration.Duration
}

/** The webhook settings: `WEBHOOK_MAX_FAILURES`, `WEBHOOK_ATTEMPTS`, `WEBHOOK_TIMEOUT_SECONDS`, `WEBHOOK_RETRY_*`, `WEBHOOK_POLL_SECONDS`. */
export class WebhookSettings extends Context.Tag("WebhookSettings")<WebhookSettings, WebhookOptions>() {
  /** The webhook variables, with their defaults. */
  static readonly config: Config.Config<WebhookOptions> = Config.all({
    maxFailures: integer("WEBHOOK_MAX_FAILURES", 10, 1, 10_000),
    attempts: integer("WEBHOOK_ATTEMPTS", 12, 1, 100),
    timeout: seconds("WEBHOOK_TIMEOUT_SECONDS", 10),
    retryBase: seconds("WEBHOOK_RETRY_BASE_SECONDS", 1),
    retryMaxDelay: seconds("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 3600),
    poll: seconds("WEBHOOK_POLL_SECONDS", 0.5)
  })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** Whether outbound calls may reach loopback, link-local and private addresses, and plain http: `OUTBOUND_ALLOW_PRIVATE`. */
export class OutboundSettings extends Context.Tag("OutboundSettings")<OutboundSettings, { readonly allowPrivate: boolean }>() {
  /** `OUTBOUND_ALLOW_PRIVATE`, off by default. */
  static readonly config = Config.all({ allowPrivate: flag("OUTBOUND_ALLOW_PRIVATE") })
  /** The settings as the environment sets them. */
  static readonly layerConfig = Layer.effect(this, this.config)
}

/** Checks a URL the service will call later (a webhook, a provider's base URL) against the outbound address rules. */
export class OutboundAddresses extends Context.Tag("OutboundAddresses")<OutboundAddresses, {
  /** Why calls to `url` would be refused now (plain http, an address in a refused range); none when they would not. */
  readonly refusal: (url: string) => Effect.Effect<Option.Option<string>>
}>() {}

/** Every settings variable of the tags above. */
export const config = Config.all({
  match: MatchSettings.config,
  idempotency: IdempotencySettings.config,
  delivery: DeliverySettings.config,
  brokerPrefix: BrokerPrefix.config,
  streamReplicas: StreamReplicas.config,
  archive: ArchiveSettings.config,
  retention: RetentionSettings.config,
  webhooks: WebhookSettings.config,
  metrics: MetricsSettings.config,
  outbound: OutboundSettings.config,
  http: HttpSettings.config,
  dashboard: DashboardSettings.config
})

/** Every settings tag above, as the environment sets it. */
export const layerConfig = Layer.mergeAll(
  MatchSettings.layerConfig,
  IdempotencySettings.layerConfig,
  DeliverySettings.layerConfig,
  BrokerPrefix.layerConfig,
  StreamReplicas.layerConfig,
  ArchiveSettings.layerConfig,
  RetentionSettings.layerConfig,
  WebhookSettings.layerConfig,
  MetricsSettings.layerConfig,
  OutboundSettings.layerConfig,
  HttpSettings.layerConfig,
  DashboardSettings.layerConfig
)
