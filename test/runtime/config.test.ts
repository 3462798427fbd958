import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Option } from "effect"
import { appConfig } from "../../src/AppConfig.ts"
import { formatConfigError } from "../../src/Config.ts"

/** The line the service prints and exits with for a bad environment, or "ok". */
const verdictOf = (env: Record<string, string>) =>
  Effect.either(Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))).pipe(
    Effect.map(Either.match({ onLeft: formatConfigError, onRight: () => "ok" }))
  )

describe("configuration from the environment", () => {
  it.effect("a wrong value is one line naming the variable, without echoing a secret", () =>
    Effect.gen(function*() {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ PORT: "abc" }, /^configuration error: PORT: expected an integer from 0 to 65535, got "abc"$/],
        [{ MATCH_MIN_SCORE: "-1" }, /^configuration error: MATCH_MIN_SCORE: /],
        [{ HTTP_MAX_IN_FLIGHT: "0" }, /^configuration error: HTTP_MAX_IN_FLIGHT: expected an integer from 1 to 100000, got "0"$/],
        [{ RATE_LIMITED_GIVE_UP_HOURS: "0" }, /^configuration error: RATE_LIMITED_GIVE_UP_HOURS: expected an integer from 1 to 8760, got "0"$/],
        [{ SHUTDOWN_TIMEOUT_SECONDS: "soon" }, /^configuration error: SHUTDOWN_TIMEOUT_SECONDS: expected a number of seconds/],
        [{ LOG_LEVEL: "loud" }, /^configuration error: LOG_LEVEL: /],
        [{ SECRETS_KEY: "short" }, /^configuration error: SECRETS_KEY: expected 32 bytes/],
        [{ DATABASE_URL: "mysql://x" }, /^configuration error: DATABASE_URL: /],
        [{ ADMIN_API_KEY: "too-short-to-be-safe" }, /^configuration error: ADMIN_API_KEY: expected at least 32 characters/],
        [{ DATABASE_URL: "postgres://127.0.0.1/x", ADMIN_API_KEY: "k".repeat(32) }, /^configuration error: SECRETS_KEY: required when DATABASE_URL is set/],
        [{ NATS_URL: "nats://n1:4222,http://n2:4222" }, /^configuration error: NATS_URL: entry 2 of 2: expected a nats: or tls: or ws: or wss: URL, got http:\/\/n2:4222$/],
        [{ NATS_URL: "nats://n1:4222,,nats://n3:4222" }, /^configuration error: NATS_URL: entry 2 of 3: expected a URL$/],
        [{ NATS_STREAM_REPLICAS: "7" }, /^configuration error: NATS_STREAM_REPLICAS: expected an integer from 1 to 5, got "7"$/],
        [{ RECONCILE_ALL_AT: "4am" }, /^configuration error: RECONCILE_ALL_AT: expected a UTC time of day as HH:MM \(00:00 to 23:59\), got "4am"$/],
        [{ RECONCILE_ALL_AT: "24:00" }, /^configuration error: RECONCILE_ALL_AT: expected a UTC time of day/]
      ]
      for (const [env, expected] of cases) {
        const verdict = yield* verdictOf(env)
        expect(verdict).toMatch(expected)
        expect(verdict.split("\n")).toHaveLength(1)
      }
      expect(yield* verdictOf({ SECRETS_KEY: "short" })).not.toContain("short")
      expect(yield* verdictOf({ ADMIN_API_KEY: "too-short-to-be-safe" })).not.toContain("too-short")
      expect(yield* verdictOf({ ADMIN_API_KEY: "k".repeat(32) })).toBe("ok")
      expect(yield* verdictOf({})).toBe("ok")
      expect(yield* verdictOf({ NATS_URL: "nats://u:s3cret@n1:4222,nats://u:s3cret@n2:42x22" })).not.toContain("s3cret")
      expect(yield* verdictOf({ NATS_URL: "ftp://u:s3cret@n1" })).not.toContain("s3cret")
    }))

  it.effect("NATS_URL takes a comma-separated list of servers; NATS_STREAM_REPLICAS defaults to 1", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))
      const cluster = yield* read({ NATS_URL: " nats://n1:4222, nats://n2:4222 ,tls://n3:4222", NATS_STREAM_REPLICAS: "3" })
      expect(cluster.broker.servers).toEqual(Option.some("nats://n1:4222,nats://n2:4222,tls://n3:4222"))
      expect(cluster.streamReplicas).toBe(3)
      const single = yield* read({ NATS_URL: "nats://127.0.0.1:4222" })
      expect(single.broker.servers).toEqual(Option.some("nats://127.0.0.1:4222"))
      expect(single.streamReplicas).toBe(1)
    }))

  it.effect("RECONCILE_ALL_AT is a UTC time of day, 04:00 by default", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))
      expect((yield* read({})).delivery.reconcileAllAt).toEqual({ hour: 4, minute: 0 })
      expect((yield* read({ RECONCILE_ALL_AT: "23:15" })).delivery.reconcileAllAt).toEqual({ hour: 23, minute: 15 })
    }))
})
