import { Context, type Duration, type Effect, type Option } from "effect"
import type { MatchLimits } from "../domain/matching.ts"

/** How many companies a job is routed to, and the lowest score that still gets a routing. */
export class MatchSettings extends Context.Tag("MatchSettings")<MatchSettings, MatchLimits>() {}

/** How long an `Idempotency-Key` is remembered. */
export class IdempotencySettings extends Context.Tag("IdempotencySettings")<IdempotencySettings, {
  readonly ttl: Duration.Duration
}>() {}

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

export class DeliverySettings extends Context.Tag("DeliverySettings")<DeliverySettings, DeliveryOptions>() {}

/** What `/metrics` exposes: per-company labels can be switched off for large fleets. */
export class MetricsSettings extends Context.Tag("MetricsSettings")<MetricsSettings, { readonly companyLabels: boolean }>() {}

/** How many requests the HTTP API works on at once; more are refused with 503 until some finish. */
export class HttpSettings extends Context.Tag("HttpSettings")<HttpSettings, {
  readonly maxInFlight: number
  /** Requests each API key may make a minute (`API_RATE_LIMIT_PER_MINUTE`). */
  readonly keyRateLimitPerMinute: number
}>() {}

/** What the dashboard links to: Jaeger's UI (null when there is none), where this service's traces are under `serviceName`. */
export class DashboardSettings extends Context.Tag("DashboardSettings")<DashboardSettings, {
  readonly jaegerUiUrl: string | null
  readonly serviceName: string
}>() {}

/** The prefix of every stream, subject and consumer name the service owns. */
export class BrokerPrefix extends Context.Tag("BrokerPrefix")<BrokerPrefix, string>() {}

/** Copies of each stream the service creates, on separate servers of a JetStream cluster: `NATS_STREAM_REPLICAS`. */
export class StreamReplicas extends Context.Tag("StreamReplicas")<StreamReplicas, number>() {}

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
export class ArchiveSettings extends Context.Tag("ArchiveSettings")<ArchiveSettings, ArchiveOptions>() {}

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
export class RetentionSettings extends Context.Tag("RetentionSettings")<RetentionSettings, RetentionOptions>() {}

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
export class WebhookSettings extends Context.Tag("WebhookSettings")<WebhookSettings, WebhookOptions>() {}

/** Whether outbound calls may reach loopback, link-local and private addresses, and plain http: `OUTBOUND_ALLOW_PRIVATE`. */
export class OutboundSettings extends Context.Tag("OutboundSettings")<OutboundSettings, { readonly allowPrivate: boolean }>() {}

/** Checks a URL the service will call later (a webhook, a provider's base URL) against the outbound address rules. */
export class OutboundAddresses extends Context.Tag("OutboundAddresses")<OutboundAddresses, {
  /** Why calls to `url` would be refused now (plain http, an address in a refused range); none when they would not. */
  readonly refusal: (url: string) => Effect.Effect<Option.Option<string>>
}>() {}
