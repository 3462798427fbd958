import { RateLimiter } from "@effect/experimental"
import { Effect, Layer } from "effect"
import * as DeliveryDirectory from "../layers/actors/directory.ts"
import * as ActorRegistry from "../layers/actors/registry.ts"
import * as StatusPolls from "../layers/actors/statusPolls.ts"
import * as Broker from "../layers/broker/layer.ts"
import * as CircuitBreakers from "../layers/circuitBreaker/memory.ts"
import * as CompanyDirectory from "../layers/companyDirectory/inMemory.ts"
import * as Outbound from "../layers/outbound.ts"
import * as Providers from "../layers/providers/registry.ts"
import * as RateLimits from "../layers/rateLimiter/memory.ts"
import * as Secrets from "../layers/secrets/webCrypto.ts"
import { postgresProbe } from "../layers/storage/health.ts"
import * as Storage from "../layers/storage/layer.ts"
import * as WebhookTransport from "../layers/webhooks/http.ts"
import { brokerProbe } from "../programs/health.ts"
import { appConfig } from "./AppConfig.ts"
import { DeliveryLive } from "./DeliveryLive.ts"
import * as EventLoopLag from "./EventLoopLag.ts"
import * as HttpServer from "./HttpServer.ts"
import { IntakeLive } from "./IntakeLive.ts"
import * as Logging from "./Logging.ts"
import * as Replica from "./Replica.ts"
import { HealthProbes } from "./services/Health.ts"
import * as Settings from "./services/Settings.ts"
import * as Startup from "./Startup.ts"
import * as Tracing from "./Tracing.ts"

/** The HTTP API, and the banner once it listens. */
const ApiLive = Startup.layerBanner.pipe(Layer.provide(HttpServer.layerConfig))

/** What the service does: delivery in the background, and the admin key and the demo data of the first start. */
const FeaturesLive = Layer.mergeAll(DeliveryLive, Startup.layerConfig)

/** What the features and the API use, each read from the environment by its layer. */
const ServicesLive = Layer.mergeAll(
  IntakeLive.pipe(Layer.provideMerge(CompanyDirectory.layer)),
  Providers.layer,
  ActorRegistry.layer,
  StatusPolls.layer,
  DeliveryDirectory.layer,
  RateLimits.layerMemory,
  CircuitBreakers.layerMemory,
  WebhookTransport.layer,
  Outbound.layerAddresses,
  EventLoopLag.layer,
  Replica.layer,
  Layer.effect(HealthProbes, Effect.all([postgresProbe, brokerProbe])),
  RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))
)

/**
 * Storage (PostgreSQL at `DATABASE_URL` or the embedded PGlite, migrated), the broker (NATS at `NATS_URL` or in process),
 * the secrets key and the settings.
 */
const InfrastructureLive = Layer.mergeAll(Storage.layerConfig, Broker.layerConfig, Secrets.layerConfig, Settings.layerConfig)

/**
 * The whole service but its telemetry. Built from the bottom up and closed from the top down: the server stops taking
 * requests first, then the actors finish what they hold, then the broker and the database close.
 */
export const ServiceLive = ApiLive.pipe(
  Layer.provide(FeaturesLive),
  Layer.provide(ServicesLive),
  Layer.provide(InfrastructureLive)
)

/** The service as the environment configures it, every variable checked before anything starts, with its telemetry. */
export const MainLive = ServiceLive.pipe(
  Layer.provide(Tracing.layerConfig),
  Layer.provide(Logging.layerConfig),
  Layer.provide(Layer.effectDiscard(appConfig))
)
