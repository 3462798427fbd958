import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber } from "effect"
import { makeTokenCache } from "../../layers/providers/tokenCache.ts"

const token = (accessToken: string) => Effect.succeed({ accessToken, expiresIn: Duration.minutes(60) })

describe("token cache", () => {
  it.effect("fetches a key's token once for concurrent gets, and keeps no lock for keys with no fetch under way", () =>
    Effect.gen(function*() {
      const cache = yield* makeTokenCache
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      let issued = 0
      const slow = () =>
        Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Deferred.await(release)),
          Effect.flatMap(() => token(`t${++issued}`))
        )
      const waiting = yield* Effect.fork(Effect.all(Array.from({ length: 5 }, () => cache.get("company-a", slow)), { concurrency: "unbounded" }))
      yield* Deferred.await(started)
      expect(cache.fetching()).toBe(1)
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(waiting)).toEqual(["t1", "t1", "t1", "t1", "t1"])
      expect(issued).toBe(1)

      yield* Effect.forEach(Array.from({ length: 1000 }, (_, i) => `company-${i}`), (key) => cache.get(key, () => token(key)), {
        concurrency: 50
      })
      expect(cache.fetching()).toBe(0)
      yield* Effect.exit(cache.get("failing", () => Effect.die("boom")))
      expect(cache.fetching()).toBe(0)
    }))
})
