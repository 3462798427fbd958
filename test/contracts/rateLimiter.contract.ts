import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, type Layer, TestClock } from "effect"
import { CALL_WINDOW_MS } from "../../src/domain/callWindow.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { CompanyRateLimiter } from "../../src/services/CompanyRateLimiter.ts"

const acme = "00000000-0000-4000-8000-00000000000a" as CompanyId
const other = "00000000-0000-4000-8000-00000000000b" as CompanyId

/** A turn as the limiter answers it, its delay in milliseconds. */
const turnOf = (companyId: CompanyId, limit: number) =>
  Effect.flatMap(CompanyRateLimiter, (limiter) => limiter.take(companyId, limit)).pipe(
    Effect.map((turn) => ({ delayMs: Duration.toMillis(turn.delay), remaining: turn.remaining }))
  )

/**
 * What every rate limiter implementation does, under `TestClock`: at most `limit` of a company's calls start in any
 * minute, each company on its own; a caller over it gets the first turn that frees up and the next caller the one
 * after; a changed limit holds from the next turn; calls counted from elsewhere take their share of the minute.
 */
export const rateLimiterContract = <E>(name: string, layer: Layer.Layer<CompanyRateLimiter, E>) =>
  describe(`rate limiter: ${name} (TestClock)`, () => {
    const effect = (title: string, test: () => Effect.Effect<void, unknown, CompanyRateLimiter>) =>
      it.effect(title, () => Effect.provide(test(), layer))

    effect("lets `limit` calls through in the minute, then each caller waits for the next turn to free up, in order", () =>
      Effect.gen(function*() {
        yield* TestClock.adjust("1 second")
        expect(yield* turnOf(acme, 2)).toEqual({ delayMs: 0, remaining: 1 })
        expect(yield* turnOf(acme, 2)).toEqual({ delayMs: 0, remaining: 0 })
        expect(yield* turnOf(acme, 2)).toEqual({ delayMs: 60_000, remaining: 1 })
        yield* TestClock.adjust("500 millis")
        expect(yield* turnOf(acme, 2)).toEqual({ delayMs: 59_500, remaining: 0 })
        expect(yield* turnOf(other, 2)).toEqual({ delayMs: 0, remaining: 1 })
        yield* TestClock.adjust("120 seconds")
        expect(yield* turnOf(acme, 2)).toMatchObject({ delayMs: 0 })
      }))

    effect("a lowered limit makes the next caller wait; a raised one lets it through at once", () =>
      Effect.gen(function*() {
        for (let i = 0; i < 3; i++) yield* turnOf(acme, 5)
        yield* TestClock.adjust("10 seconds")
        expect(yield* turnOf(acme, 2)).toEqual({ delayMs: 50_000, remaining: 1 })
        expect(yield* turnOf(acme, 10)).toEqual({ delayMs: 0, remaining: 5 })
      }))

    effect("counts calls started elsewhere in the last minute; a sweep forgets only the quiet companies", () =>
      Effect.gen(function*() {
        const limiter = yield* CompanyRateLimiter
        yield* TestClock.adjust("30 seconds")
        yield* limiter.seed(acme, [10_000, 5_000, 20_000])
        expect(yield* turnOf(acme, 3)).toEqual({ delayMs: 35_000, remaining: 0 })
        yield* TestClock.adjust(Duration.millis(CALL_WINDOW_MS + 40_000))
        expect(yield* turnOf(other, 1)).toEqual({ delayMs: 0, remaining: 0 })
        yield* limiter.sweep
        expect(yield* turnOf(acme, 3)).toEqual({ delayMs: 0, remaining: 2 })
        expect(yield* turnOf(other, 1)).toEqual({ delayMs: CALL_WINDOW_MS, remaining: 0 })
      }))
  })
