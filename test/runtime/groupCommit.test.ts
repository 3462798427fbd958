import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Fiber, Option, type Scope, TestClock, type Tracer } from "effect"
import type { NonEmptyReadonlyArray } from "effect/Array"
import * as GroupCommit from "../../src/GroupCommit.ts"

/**
 * A group commit of numbers whose batches are recorded, and whose first batch runs only once `gate` opens. Each input
 * is answered ten times itself, an odd one refused on its own, and a batch holding 13 fails as a whole.
 */
const setup = (maxBatch: number) =>
  Effect.gen(function*() {
    const batches: Array<ReadonlyArray<number>> = []
    const started = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    const submit = yield* GroupCommit.make({
      name: "test.batch",
      maxBatch,
      run: (inputs: NonEmptyReadonlyArray<number>) =>
        Effect.gen(function*() {
          batches.push(inputs)
          if (batches.length === 1) {
            yield* Deferred.succeed(started, undefined)
            yield* Deferred.await(gate)
          }
          if (inputs.includes(13)) return yield* Effect.fail("batch failed" as const)
          return inputs.map((n) => (n % 2 === 0 ? Either.right(n * 10) : Either.left(`odd ${n}` as const)))
        })
    })
    return { batches, started, gate, submit }
  })

/** Forks each submission and returns once every one of them waits for its answer. */
const submitted = <A, E>(effects: ReadonlyArray<Effect.Effect<A, E>>): Effect.Effect<Array<Fiber.RuntimeFiber<A, E>>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* Effect.forEach(effects, (effect) => Effect.forkScoped(effect))
    const waiting = Effect.map(Effect.forEach(fibers, Fiber.status), (statuses) => statuses.every((s) => s._tag === "Suspended"))
    while (!(yield* waiting)) yield* Effect.yieldNow()
    return fibers
  })

describe("group commit", () => {
  it.scoped("answers a batch, and the next, with the test clock at a fraction of a millisecond", () =>
    Effect.gen(function*() {
      const { gate, submit } = yield* setup(10)
      yield* Deferred.succeed(gate, undefined)
      yield* TestClock.adjust(Duration.millis(0.1))
      yield* TestClock.adjust(Duration.millis(0.2))
      expect(yield* submit(2).pipe(Effect.withSpan("submitter"))).toBe(20)
      expect(yield* submit(4).pipe(Effect.withSpan("submitter"))).toBe(40)
    }))

  it.scoped("a lone input goes through at once, in a batch of its own", () =>
    Effect.gen(function*() {
      const { batches, gate, submit } = yield* setup(10)
      yield* Deferred.succeed(gate, undefined)
      expect(yield* submit(2)).toBe(20)
      expect(yield* submit(4)).toBe(40)
      expect(batches).toEqual([[2], [4]])
    }))

  it.scoped("inputs that arrive together at an idle group commit go in one batch, not the first alone", () =>
    Effect.gen(function*() {
      const { batches, gate, submit } = yield* setup(10)
      yield* Deferred.succeed(gate, undefined)
      // Started in one step: each offers its input before the worker, woken by the first, takes its batch.
      const answers = yield* Effect.forEach([2, 4, 6], submit, { concurrency: "unbounded" })
      expect(answers).toEqual([20, 40, 60])
      expect(batches).toEqual([[2, 4, 6]])
    }))

  it.scoped("inputs that arrive while a batch runs go together in the next one, each answered on its own", () =>
    Effect.gen(function*() {
      const { batches, gate, started, submit } = yield* setup(10)
      const [first] = yield* submitted([submit(2)])
      yield* Deferred.await(started)
      const waiting = yield* submitted([submit(4), submit(5), submit(6)])
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first!)).toBe(20)
      expect(yield* Effect.forEach(waiting, (fiber) => Effect.either(Fiber.join(fiber)))).toEqual([
        Either.right(40),
        Either.left("odd 5"),
        Either.right(60)
      ])
      expect(batches).toEqual([[2], [4, 5, 6]])
    }))

  it.scoped("a batch takes at most maxBatch inputs, and one that fails as a whole fails each of its inputs", () =>
    Effect.gen(function*() {
      const { batches, gate, started, submit } = yield* setup(2)
      yield* submitted([submit(2)])
      yield* Deferred.await(started)
      const waiting = yield* submitted([submit(4), submit(13), submit(6)])
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Effect.forEach(waiting, (fiber) => Effect.either(Fiber.join(fiber)))).toEqual([
        Either.left("batch failed"),
        Either.left("batch failed"),
        Either.right(60)
      ])
      expect(batches).toEqual([[2], [4, 13], [6]])
    }))

  it.scoped("a batch of one runs under its submitter's span; a larger one in a trace of its own, linked to each submitter's", () =>
    Effect.gen(function*() {
      const seen: Array<Tracer.Span> = []
      const gate = yield* Deferred.make<void>()
      const started = yield* Deferred.make<void>()
      const submit = yield* GroupCommit.make({
        name: "test.batch",
        maxBatch: 10,
        run: (inputs: NonEmptyReadonlyArray<string>) =>
          Effect.gen(function*() {
            seen.push(yield* Effect.orDie(Effect.currentSpan))
            if (seen.length === 1) {
              yield* Deferred.succeed(started, undefined)
              yield* Deferred.await(gate)
            }
            return inputs.map(Either.right)
          })
      })
      const traced = (name: string) =>
        Effect.gen(function*() {
          yield* submit(name)
          return yield* Effect.orDie(Effect.currentSpan)
        }).pipe(Effect.withSpan(name))
      const [lone] = yield* submitted([traced("lone")])
      yield* Deferred.await(started)
      const together = yield* submitted([traced("a"), traced("b")])
      yield* Deferred.succeed(gate, undefined)
      const loneSpan = yield* Fiber.join(lone!)
      const [a, b] = yield* Effect.forEach(together, Fiber.join)
      const [single, shared] = seen
      expect(single!.name).toBe("test.batch")
      expect(Option.getOrNull(single!.parent)).toBe(loneSpan)
      expect(Option.isNone(shared!.parent)).toBe(true)
      expect(shared!.traceId).not.toBe(a!.traceId)
      expect(shared!.links.map((link) => link.span)).toEqual([a, b])
      expect(shared!.attributes.get("batch.size")).toBe(2)
    }))
})
