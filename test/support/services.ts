import { RateLimiter } from "@effect/experimental"
import { Duration, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { layerMemory as layerMemoryBroker } from "../../layers/broker/memory.ts"
import { layerAddresses as layerOutboundAddresses } from "../../layers/outbound.ts"
import { layer as layerProviders } from "../../layers/providers/registry.ts"
import { layer as layerSecrets } from "../../layers/secrets/webCrypto.ts"
import { postgresProbe } from "../../layers/storage/health.ts"
import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layerPollOnly } from "../../layers/storage/outboxSignal.ts"
import * as IndexSignal from "../../layers/storage/companyIndexSignal.ts"
import type { Db } from "../../layers/storage/Db.ts"
import type { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"
import { layer as layerCompanyDirectory } from "../../layers/companyDirectory/inMemory.ts"
import { IntakeLive } from "../../src/IntakeLive.ts"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { layer as layerDeliveryDirectory } from "../../layers/actors/directory.ts"
import { layer as layerActorRegistry } from "../../layers/actors/registry.ts"
import { layer as layerStatusPolls } from "../../layers/actors/statusPolls.ts"
import { brokerProbe } from "../../programs/health.ts"
import { sha256Hex } from "../../src/domain/hash.ts"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { HealthProbes } from "../../src/services/Health.ts"
import {
  AdminKey,
  BrokerPrefix,
  type DeliveryOptions,
  DeliverySettings,
  IdempotencySettings,
  MatchSettings,
  type WebhookOptions,
  DashboardSettings,
  HttpSettings,
  MetricsSettings,
  OutboundSettings,
  StreamReplicas,
  WebhookSettings
} from "../../src/services/Settings.ts"
import { EventLoopLag } from "../../src/services/EventLoopLag.ts"
import { layerFreshDb, layerPgliteDb } from "./postgres.ts"
import * as Replica from "../../src/Replica.ts"
import { layerMemory as layerCircuitBreakers } from "../../layers/circuitBreaker/memory.ts"
import { layerMemory as layerRateLimiter } from "../../layers/rateLimiter/memory.ts"

export const TEST_ADMIN_KEY = "si_test_admin_key_0123456789abcdefghijklmnopqrstu"

/** Delivery settings as configured by default. */
export const defaultDelivery: DeliveryOptions = {
  attempts: 8,
  providerTimeout: Duration.seconds(10),
  retryBase: Duration.seconds(1),
  retryMaxDelay: Duration.minutes(5),
  circuitThreshold: 5,
  circuitCooldown: Duration.seconds(30),
  rateLimitedGiveUp: Duration.hours(24),
  reconcileAfter: Duration.seconds(60),
  relayPoll: Duration.millis(250),
  relayBatch: 100,
  shutdownTimeout: Duration.seconds(15),
  pollInterval: Duration.minutes(30),
  reconcileAllAt: { hour: 4, minute: 0 },
  partitions: 4,
  partitionMaxAckPending: 1000,
  partitionLease: Duration.seconds(10)
}

/** Webhook settings as configured by default. */
export const defaultWebhooks: WebhookOptions = {
  maxFailures: 10,
  attempts: 12,
  timeout: Duration.seconds(10),
  retryBase: Duration.seconds(1),
  retryMaxDelay: Duration.hours(1),
  poll: Duration.millis(500)
}

/** Settings, secrets and the admin key as the tests use them; logs below warnings are left out. */
export const layerTestSettings = Layer.mergeAll(
  Logger.minimumLogLevel(LogLevel.Warning),
  Layer.succeed(MatchSettings, { maxRoutings: 3, minScore: 1.0 }),
  Layer.succeed(IdempotencySettings, { ttl: Duration.hours(24) }),
  Layer.succeed(DeliverySettings, defaultDelivery),
  Layer.succeed(WebhookSettings, defaultWebhooks),
  Layer.succeed(MetricsSettings, { companyLabels: true }),
  // The provider fakes listen on 127.0.0.1.
  layerOutboundAddresses.pipe(Layer.provideMerge(Layer.succeed(OutboundSettings, { allowPrivate: true }))),
  Layer.succeed(HttpSettings, { maxInFlight: 64, keyRateLimitPerMinute: 6000 }),
  Layer.succeed(EventLoopLag, { current: () => 0 }),
  Layer.succeed(DashboardSettings, { jaegerUiUrl: "http://jaeger.test:16686", serviceName: "service-integration" }),
  Layer.effect(AdminKey, Effect.map(sha256Hex(TEST_ADMIN_KEY), (hash) => ({ hash }))),
  layerSecrets({ current: Redacted.make(generateSecretKey()), previous: [] })
)

/** What delivery needs beside storage and the broker: rate limits, the provider registry, the actors' registry. */
export const layerDeliveryTools = Layer.mergeAll(
  RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory)),
  layerActorRegistry,
  layerStatusPolls,
  layerDeliveryDirectory,
  layerPollOnly,
  Replica.layer,
  layerRateLimiter,
  layerCircuitBreakers
)

/** Intake (group commit over the company index), given storage and the settings. */
export const layerIntake = IntakeLive.pipe(Layer.provideMerge(layerCompanyDirectory))

/** Every service the API and delivery need, in memory (the in-process broker under prefix `test`). */
export const layerMemoryServices = layerIntake.pipe(
  Layer.provideMerge(Layer.mergeAll(
    layerProviders.pipe(Layer.provide(layerTestSettings)),
    layerDeliveryTools,
    Layer.effect(HealthProbes, Effect.all([brokerProbe])),
    layerTestSettings,
    Layer.succeed(BrokerPrefix, "test"),
    Layer.succeed(StreamReplicas, 1),
    IndexSignal.layerNone
  )),
  Layer.provideMerge(Layer.merge(layerMemory, layerMemoryBroker))
)

/** Every service the API needs on `db`, the company index told of changes by `signal`. */
const layerServicesOn = <E>(db: Layer.Layer<Db, E>, signal: Layer.Layer<CompanyIndexSignal, never, Db>) =>
  layerIntake.pipe(
    Layer.provideMerge(Layer.mergeAll(
      layerProviders.pipe(Layer.provide(layerTestSettings), Layer.provideMerge(layerPostgresRepos)),
      layerDeliveryTools,
      Layer.effect(HealthProbes, Effect.all([postgresProbe, brokerProbe])),
      layerTestSettings,
      Layer.succeed(BrokerPrefix, "test"),
      Layer.succeed(StreamReplicas, 1),
      signal
    )),
    Layer.provideMerge(Layer.merge(db, layerMemoryBroker))
  )

/** Every service the API needs, on a fresh PostgreSQL database dropped afterwards (`Db` too, for inspection). */
export const layerPostgresServices = layerServicesOn(layerFreshDb(), IndexSignal.layerListen)

/** Every service the API needs, on the embedded PGlite, where there are no notifications. */
export const layerPgliteServices = layerServicesOn(layerPgliteDb, IndexSignal.layerNone)
