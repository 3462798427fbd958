import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Option } from "effect"
import { makeTestLayer, UnimplementedMember } from "./testLayer.ts"

class Counter extends Context.Tag("Counter")<Counter, {
  readonly read: Effect.Effect<number>
  readonly add: (n: number) => Effect.Effect<number>
  readonly reset: () => Effect.Effect<void>
  readonly label: () => string
}>() {}

/** The defect an exit died with, if it died. */
const defectOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()

describe("makeTestLayer", () => {
  it.effect("answers with the members it was given", () =>
    Effect.gen(function*() {
      const counter = yield* Counter
      expect(yield* counter.add(2)).toBe(3)
    }).pipe(Effect.provide(makeTestLayer(Counter)({ add: (n) => Effect.succeed(n + 1) }))))

  it.effect("dies naming the service and the method when an effectful method it was not given is called", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.flatMap(Counter, (counter) => counter.reset()))
      expect(defectOf(exit)).toEqual(Option.some(new UnimplementedMember("Counter", "reset")))
      expect(Option.getOrThrow(defectOf(exit))).toMatchObject({ message: "Counter.reset is not implemented by this test layer" })
    }).pipe(Effect.provide(makeTestLayer(Counter)({}))))

  it.effect("dies naming the member when an effect member it was not given is run", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.gen(function*() {
        return yield* (yield* Counter).read
      }))
      expect(Option.getOrThrow(defectOf(exit))).toMatchObject({ service: "Counter", member: "read" })
    }).pipe(Effect.provide(makeTestLayer(Counter)({}))))

  it.effect("throws naming the service and the method when a sync method it was not given is called", () =>
    Effect.gen(function*() {
      const counter = yield* Counter
      expect(() => counter.label()).toThrow("Counter.label is not implemented by this test layer")
    }).pipe(Effect.provide(makeTestLayer(Counter)({}))))

  it.effect("is not taken for a promise: a service can be answered from async code", () =>
    Effect.gen(function*() {
      const counter = yield* Counter
      expect(yield* Effect.promise(async () => counter)).toBe(counter)
    }).pipe(Effect.provide(makeTestLayer(Counter)({}))))
})
