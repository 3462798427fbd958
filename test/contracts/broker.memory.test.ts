import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Stream, TestClock } from "effect"
import { layerMemory } from "../../layers/broker/memory.ts"
import { Broker } from "../../src/services/Broker.ts"
import { brokerContract } from "./broker.contract.ts"

brokerContract("memory", layerMemory)

const bytes = (text: string) => new TextEncoder().encode(text)

const setup = (maxAge: Option.Option<Duration.Duration> = Option.none()) =>
  Effect.gen(function*() {
    const broker = yield* Broker
    yield* broker.ensureStream({
      name: "jobs",
      subjects: ["jobs.>"],
      retention: "workqueue",
      duplicateWindow: Duration.minutes(2),
      maxAge,
      replicas: 1
    })
    yield* broker.ensureConsumer({ stream: "jobs", name: "a", filterSubject: "jobs.a", ackWait: Duration.seconds(30), maxDeliver: 3 })
    return broker
  })

describe("broker: memory under TestClock", () => {
  it.effect("is not durable; ack wait and nak delays run on the test clock", () =>
    Effect.gen(function*() {
      const broker = yield* setup()
      expect(broker.durable).toBe(false)
      yield* broker.publish("jobs.a", bytes("one"), { msgId: "1" })
      yield* broker.fetch("jobs", "a", { max: 1, expires: Duration.seconds(1) })
      const waiting = yield* Effect.fork(broker.fetch("jobs", "a", { max: 1, expires: Duration.minutes(5) }))
      yield* TestClock.adjust(Duration.seconds(29))
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* TestClock.adjust(Duration.seconds(1))
      const [again] = yield* Fiber.join(waiting)
      expect(again?.deliveryCount).toBe(2)
      yield* again!.nak(Duration.minutes(1))
      const early = yield* Effect.fork(broker.fetch("jobs", "a", { max: 1, expires: Duration.seconds(59) }))
      yield* TestClock.adjust(Duration.seconds(59))
      expect(yield* Fiber.join(early)).toEqual([])
      const late = yield* Effect.fork(broker.fetch("jobs", "a", { max: 1, expires: Duration.seconds(2) }))
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* Fiber.join(late))[0]?.deliveryCount).toBe(3)
    }).pipe(Effect.provide(layerMemory)))

  it.effect("the duplicate window and the max age run on the test clock", () =>
    Effect.gen(function*() {
      const broker = yield* setup(Option.some(Duration.hours(1)))
      expect(yield* broker.publish("jobs.a", bytes("one"), { msgId: "1" })).toEqual({ sequence: 1, duplicate: false })
      yield* TestClock.adjust(Duration.seconds(119))
      expect(yield* broker.publish("jobs.a", bytes("one"), { msgId: "1" })).toEqual({ sequence: 1, duplicate: true })
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* broker.publish("jobs.a", bytes("one"), { msgId: "1" })).toEqual({ sequence: 2, duplicate: false })
      yield* TestClock.adjust(Duration.minutes(58))
      expect(Option.map(yield* broker.streamState("jobs"), (s) => s.messages)).toEqual(Option.some(1))
      yield* TestClock.adjust(Duration.minutes(2))
      expect(Option.map(yield* broker.streamState("jobs"), (s) => s.messages)).toEqual(Option.some(0))
    }).pipe(Effect.provide(layerMemory)))

  it.effect("a message reported at maxDeliver once its last ack wait runs out, without a fetch", () =>
    Effect.gen(function*() {
      const broker = yield* setup()
      const reached = yield* Effect.fork(Stream.runHead(broker.maxDeliveries(["jobs"])))
      yield* broker.publish("jobs.a", bytes("poison"), { msgId: "1" })
      for (const count of [1, 2, 3]) {
        const [d] = yield* broker.fetch("jobs", "a", { max: 1, expires: Duration.seconds(1) })
        expect(d?.deliveryCount).toBe(count)
        yield* TestClock.adjust(Duration.seconds(30))
      }
      expect(yield* Fiber.join(reached)).toEqual(Option.some({ stream: "jobs", consumer: "a", streamSequence: 1 }))
      expect(Option.map(yield* broker.consumerState("jobs", "a"), (c) => c.ackPending)).toEqual(Option.some(0))
      expect(Option.isSome(yield* broker.getMessage("jobs", 1))).toBe(true)
    }).pipe(Effect.provide(layerMemory)))
})
