import { Duration, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { layer as layerSecrets } from "../../layers/secrets/webCrypto.ts"
import { layerPostgresHealth } from "../../layers/storage/health.ts"
import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { sha256Hex } from "../../src/domain/hash.ts"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { HealthProbes } from "../../src/services/Health.ts"
import { AdminKey, IdempotencySettings, MatchSettings } from "../../src/services/Settings.ts"
import { layerFreshDb } from "./postgres.ts"

export const TEST_ADMIN_KEY = "si_test_admin_key_0123456789abcdefghijklmnopqrstu"

/** Settings, secrets and the admin key as the tests use them; logs below warnings are left out. */
export const layerTestSettings = Layer.mergeAll(
  Logger.minimumLogLevel(LogLevel.Warning),
  Layer.succeed(MatchSettings, { maxRoutings: 3, minScore: 1.0 }),
  Layer.succeed(IdempotencySettings, { ttl: Duration.hours(24) }),
  Layer.effect(AdminKey, Effect.map(sha256Hex(TEST_ADMIN_KEY), (hash) => ({ hash }))),
  layerSecrets({ current: Redacted.make(generateSecretKey()), previous: [] })
)

/** Every service the API needs, in memory. */
export const layerMemoryServices = Layer.mergeAll(
  layerMemory,
  layerTestSettings,
  Layer.succeed(HealthProbes, [{ name: "memory", check: Effect.void }])
)

/** Every service the API needs, on a fresh PostgreSQL database dropped afterwards; `Db` too, for inspection. */
export const layerPostgresServices = Layer.mergeAll(layerPostgresRepos, layerPostgresHealth, layerTestSettings).pipe(
  Layer.provideMerge(layerFreshDb())
)
