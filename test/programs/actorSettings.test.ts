import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { makeActorSettings } from "../../programs/actorSettings.ts"

describe("an actor's settings", () => {
  it.effect("signal a pause to a waiting pull, at once while paused, and not again after a resume", () =>
    Effect.gen(function*() {
      const settings = yield* makeActorSettings({ rateLimitPerMinute: 50, paused: false })
      const waiting = yield* Effect.fork(settings.paused)
      yield* Effect.yieldNow()
      expect(waiting.unsafePoll()).toBeNull()

      yield* settings.set({ rateLimitPerMinute: 60, paused: true })
      yield* Fiber.join(waiting)
      yield* settings.paused
      expect(yield* settings.get).toEqual({ rateLimitPerMinute: 60, paused: true })

      yield* settings.set({ rateLimitPerMinute: 60, paused: false })
      const afterResume = yield* Effect.fork(settings.paused)
      yield* Effect.yieldNow()
      expect(afterResume.unsafePoll()).toBeNull()
      yield* settings.set({ rateLimitPerMinute: 70, paused: false })
      yield* Effect.yieldNow()
      expect(afterResume.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(afterResume)
    }))

  it.effect("made paused, signal at once", () =>
    Effect.gen(function*() {
      const settings = yield* makeActorSettings({ rateLimitPerMinute: 50, paused: true })
      yield* settings.paused
    }))
})
