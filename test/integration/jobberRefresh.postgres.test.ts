import { FetchHttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import * as CredentialStore from "../../layers/providers/credentialStore.ts"
import { make } from "../../layers/providers/jobber/adapter.ts"
import { layer as layerSecrets } from "../../layers/secrets/webCrypto.ts"
import { Db, layer as layerDb } from "../../layers/storage/Db.ts"
import { migrate } from "../../layers/storage/migrate.ts"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import type { ProviderAccount } from "../../src/services/Providers.ts"
import { Secrets } from "../../src/services/Secrets.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { type JobberFake, startJobberFake } from "../fakes/jobber.ts"
import { makeCompany } from "../support/fixtures.ts"
import { freshDatabase } from "../support/postgres.ts"
import { defaultDelivery } from "../support/services.ts"

const CLIENT_ID = "jobber-app-client-id"
const CLIENT_SECRET = "jobber-app-client-secret-s3cr3t"

let fake: JobberFake
beforeAll(async () => {
  fake = await startJobberFake({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })
})
afterAll(() => fake.close())

/** One process of the service: a connection pool of its own on the shared database, its repositories and secrets. */
const processOn = (url: string, secretKey: string) =>
  Layer.build(
    layerPostgresRepos.pipe(
      Layer.provideMerge(layerDb({ url: Redacted.make(url), max: 4 })),
      Layer.merge(layerSecrets({ current: Redacted.make(secretKey), previous: [] }))
    )
  )

/** The process's Jobber adapter: its own token caches, the credentials stored in the process's database. */
const adapterOf = (context: Context.Context<CompanyRepo | Secrets>) =>
  make.pipe(
    Effect.provide(CredentialStore.layer("jobber").pipe(Layer.provide(Layer.succeedContext(context)))),
    Effect.provideService(DeliverySettings, { ...defaultDelivery, providerTimeout: Duration.seconds(2) }),
    Effect.provide(FetchHttpClient.layer)
  )

describe("Jobber token refresh on PostgreSQL", () => {
  it.live("two processes sharing one database refresh a company's tokens once, and store the rotated pair sealed", () =>
    Effect.gen(function*() {
      const { url } = yield* freshDatabase
      const secretKey = generateSecretKey()
      const first = yield* processOn(url, secretKey)
      const second = yield* processOn(url, secretKey)
      yield* Effect.orDie(migrate).pipe(Effect.provide(first), Logger.withMinimumLogLevel(LogLevel.Warning))

      const grant = fake.grant()
      const credentials = { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, refresh_token: grant.refreshToken }
      const company = makeCompany()
      const sealed = yield* Context.get(first, Secrets).seal(JSON.stringify(credentials), company.id)
      yield* Context.get(first, CompanyRepo).insert({
        ...company,
        provider: { type: "jobber", config: { api_base_url: fake.url }, credentials: sealed, active: true }
      })
      const account: ProviderAccount = { companyId: company.id, config: { api_base_url: fake.url }, credentials }

      // Both are waiting for a token when the first refresh is answered.
      fake.faults.inject("token", { delayMs: 300, thenAnswer: true })
      const adapters = [yield* adapterOf(first), yield* adapterOf(second)]
      yield* Effect.all(adapters.map((adapter) => adapter.checkCredentials(account)), { concurrency: "unbounded" })
      expect(fake.faults.count("token")).toBe(1)
      expect(fake.faults.count("Account")).toBe(2)

      const row = yield* Effect.flatMap(Context.get(first, Db).query("inspect", (sql) =>
        sql`select credentials_key_id, credentials_sealed from company_providers where company_id = ${company.id}`), (rows) =>
        Effect.succeed(rows[0] as { credentials_key_id: string; credentials_sealed: string }))
      const stored = JSON.parse(
        yield* Context.get(first, Secrets).open({ keyId: row.credentials_key_id, data: row.credentials_sealed }, company.id)
      ) as Record<string, string>
      expect(stored["refresh_token"]).not.toBe(grant.refreshToken)
      expect(fake.seen.issuedTokens).toContain(stored["refresh_token"])
      expect(row.credentials_sealed).not.toContain(stored["refresh_token"]!)
      expect(stored).toHaveProperty("access_token_expires_at")
    }).pipe(Effect.scoped), 30_000)
})
