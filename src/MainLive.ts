import { Console, Context, Effect, Layer, Option, Redacted } from "effect"
import { join } from "node:path"
import { seedDemo } from "../programs/seedDemo.ts"
import { layer as layerWebCryptoSecrets } from "../layers/secrets/webCrypto.ts"
import { layer as layerDb } from "../layers/storage/Db.ts"
import { postgresProbe } from "../layers/storage/health.ts"
import { migrate } from "../layers/storage/migrate.ts"
import { layerPglite } from "../layers/storage/pglite.ts"
import { layer as layerPostgresRepos } from "../layers/storage/postgres/layer.ts"
import { layerListen, layerPollOnly } from "../layers/storage/outboxSignal.ts"
import * as CompanyIndexSignal from "../layers/storage/companyIndexSignal.ts"
import { layer as layerCompanyDirectory } from "../layers/companyDirectory/inMemory.ts"
import { layerMemory as layerMemoryBroker } from "../layers/broker/memory.ts"
import { layer as layerJetStream } from "../layers/broker/jetstream.ts"
import { layer as layerProviders } from "../layers/providers/registry.ts"
import { layer as layerDeliveryDirectory } from "../layers/workers/directory.ts"
import { layer as layerWorkerRegistry } from "../layers/workers/registry.ts"
import { layer as layerWebhookTransport } from "../layers/webhooks/http.ts"
import { RateLimiter } from "@effect/experimental"
import { brokerProbe } from "../programs/health.ts"
import { DeliveryLive } from "./DeliveryLive.ts"
import { IntakeLive } from "./IntakeLive.ts"
import { HealthProbes } from "./services/Health.ts"
import type { AppConfig } from "./Config.ts"
import { sha256Hex } from "./domain/hash.ts"
import { newApiKey } from "./domain/apiKey.ts"
import { generateSecretKey } from "./domain/secretKey.ts"
import { layer as layerEventLoopLag } from "./EventLoopLag.ts"
import { HttpAddress, layerHttpServer } from "./HttpServer.ts"
import { readOrCreateKeyFile } from "./keyFiles.ts"
import { startupConnectRetry } from "./Schedules.ts"
import {
  AdminKey,
  ArchiveSettings,
  BrokerPrefix,
  DeliverySettings,
  IdempotencySettings,
  MatchSettings,
  DashboardSettings,
  HttpSettings,
  MetricsSettings,
  WebhookSettings
} from "./services/Settings.ts"

/** PostgreSQL at `DATABASE_URL`, or the embedded PGlite; migrated before anything else may use it. */
const layerStorage = (config: AppConfig) =>
  Layer.effectDiscard(
    migrate.pipe(
      Effect.tapError((e) => Effect.logWarning("database not reachable yet; retrying").pipe(Effect.annotateLogs("error", e.message))),
      Effect.retry({ schedule: startupConnectRetry, while: (e) => e.unavailable })
    )
  ).pipe(
    Layer.provideMerge(Option.match(config.databaseUrl, {
      onNone: () => layerPglite(config.dataDir, config.tracing.detailedSpans),
      onSome: (url) => layerDb({ url, max: config.dbPoolMax, detailedSpans: config.tracing.detailedSpans })
    }))
  )

/** The secrets key from `SECRETS_KEY`, or on the embedded default one kept in `DATA_DIR/secrets.key`. */
const layerSecrets = (config: AppConfig) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const current = Option.isSome(config.secretsKey)
      ? config.secretsKey.value
      : Redacted.make(yield* readOrCreateKeyFile(join(config.dataDir, "secrets.key"), generateSecretKey))
    return layerWebCryptoSecrets({ current, previous: config.secretsPreviousKeys })
  }))

/** The admin key from `ADMIN_API_KEY`, or on the embedded default one generated once and kept in `DATA_DIR/admin.key`. */
const adminKeyOf = (config: AppConfig) =>
  Option.isSome(config.adminApiKey)
    ? Effect.succeed({ key: Redacted.value(config.adminApiKey.value), generated: false })
    : Effect.map(readOrCreateKeyFile(join(config.dataDir, "admin.key"), newApiKey), (key) => ({ key, generated: true }))

const layerSettings = (config: AppConfig) =>
  Layer.mergeAll(
    Layer.succeed(MatchSettings, { maxRoutings: config.matchMaxRoutings, minScore: config.matchMinScore }),
    Layer.succeed(IdempotencySettings, { ttl: config.idempotencyTtl }),
    Layer.succeed(DeliverySettings, config.delivery),
    Layer.succeed(BrokerPrefix, config.natsPrefix),
    Layer.succeed(ArchiveSettings, config.archive),
    Layer.succeed(WebhookSettings, config.webhooks),
    Layer.succeed(MetricsSettings, { companyLabels: config.metricsCompanyLabels }),
    Layer.succeed(HttpSettings, { maxInFlight: config.httpMaxInFlight }),
    Layer.succeed(DashboardSettings, { jaegerUiUrl: Option.getOrNull(config.jaegerUiUrl), serviceName: config.tracing.serviceName })
  )

/** NATS JetStream at `NATS_URL`, or the in-process broker. */
const layerBroker = (config: AppConfig) =>
  Option.match(config.natsUrl, {
    onNone: () => layerMemoryBroker,
    onSome: (servers) => layerJetStream({ servers, name: "service-integration", detailedSpans: config.tracing.detailedSpans })
  })

const layerHealth = Layer.effect(HealthProbes, Effect.all([postgresProbe, brokerProbe]))

/** What start-up did that the banner reports. */
class StartupReport extends Context.Tag("StartupReport")<StartupReport, {
  readonly seeded: boolean
  /** The generated admin key of the embedded default, to print; null when it comes from `ADMIN_API_KEY`. */
  readonly adminKeyToPrint: string | null
}>() {}

/** Resolves the admin key and, on the embedded default or with `SEED_DEMO=1`, seeds the demo on first start. */
const layerStartup = (config: AppConfig) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const admin = yield* adminKeyOf(config)
    const adminKey = Layer.succeed(AdminKey, { hash: yield* sha256Hex(admin.key) })
    const report = Layer.effect(
      StartupReport,
      Effect.gen(function*() {
        const seeded = Option.isNone(config.databaseUrl) || config.seedDemo ? (yield* seedDemo()) !== null : false
        return { seeded, adminKeyToPrint: admin.generated ? admin.key : null }
      })
    )
    return Layer.merge(adminKey, report)
  }))

const printBanner = (config: AppConfig) =>
  Effect.gen(function*() {
    const { url } = yield* HttpAddress
    const report = yield* StartupReport
    const storage = Option.isNone(config.databaseUrl) ? `embedded PostgreSQL in ${join(config.dataDir, "pglite")}` : "PostgreSQL at DATABASE_URL"
    const adminKey = report.adminKeyToPrint === null
      ? "from ADMIN_API_KEY"
      : `${report.adminKeyToPrint}   (kept in ${join(config.dataDir, "admin.key")}; set ADMIN_API_KEY to use your own)`
    yield* Console.log([
      "",
      `service-integration is running on ${storage}${report.seeded ? ", demo data seeded" : ""}`,
      `  API        ${url}`,
      `  Docs       ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
      `  Dashboard  ${url}/dashboard   (sign in with the admin key)`,
      `  Health     ${url}/health/ready`,
      `  Admin key  ${adminKey}`,
      `  Try        curl -H "Authorization: Bearer ${report.adminKeyToPrint ?? "$ADMIN_API_KEY"}" ${url}/companies`,
      ""
    ].join("\n"))
  })

/**
 * The whole service for a configuration: storage and broker, the programs' services, intake, delivery in the
 * background, the HTTP server, and the start-up banner. Built in that order and closed in the reverse one: the server
 * stops taking requests first, then the actors finish what they hold, then the broker and the database close.
 */
export const MainLive = (config: AppConfig) => {
  const embedded = Option.isNone(config.databaseUrl)
  const infrastructure = Layer.mergeAll(layerStorage(config), layerBroker(config), layerSettings(config))
  const services = Layer.mergeAll(
    layerPostgresRepos,
    layerHealth,
    layerSecrets(config),
    layerWorkerRegistry,
    layerDeliveryDirectory,
    layerEventLoopLag,
    layerWebhookTransport,
    RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory)),
    embedded ? layerPollOnly : layerListen,
    embedded ? CompanyIndexSignal.layerNone : CompanyIndexSignal.layerListen
  ).pipe(Layer.provideMerge(infrastructure))
  const intake = IntakeLive.pipe(Layer.provideMerge(layerCompanyDirectory), Layer.provideMerge(services))
  const delivery = DeliveryLive.pipe(Layer.provideMerge(layerProviders.pipe(Layer.provideMerge(intake))))
  const startup = layerStartup(config).pipe(Layer.provideMerge(delivery))
  const server = layerHttpServer({ port: config.port, host: config.host, shutdownTimeout: config.delivery.shutdownTimeout }).pipe(
    Layer.provideMerge(startup)
  )
  return Layer.effectDiscard(printBanner(config)).pipe(Layer.provide(server))
}
