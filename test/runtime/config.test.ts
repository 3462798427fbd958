import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { appConfig, formatConfigError } from "../../src/Config.ts"

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
        [{ DATABASE_URL: "postgres://127.0.0.1/x", ADMIN_API_KEY: "k".repeat(32) }, /^configuration error: SECRETS_KEY: required when DATABASE_URL is set/]
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
    }))
})
