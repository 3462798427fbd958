import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, type Layer, Option, Queue, Schedule, Stream } from "effect"
import { Broker, type ConsumerSpec, type Delivery, type StreamSpec } from "../../src/services/Broker.ts"

/** The start of every stream name these tests make in this process, so that a test file can delete them afterwards. */
export const testPrefix = `t${crypto.randomUUID().slice(0, 8)}`

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)
const ms = (d: Duration.Duration) => Duration.toMillis(d)
const second = Duration.seconds(1)

const single = (deliveries: ReadonlyArray<Delivery>) => {
  expect(deliveries).toHaveLength(1)
  return deliveries[0]!
}

/** Names and subjects under a fresh prefix for one test, with helpers bound to them; the stream is not created yet. */
const fresh = (overrides: Partial<StreamSpec> = {}) =>
  Effect.map(Broker, (broker) => {
    const prefix = `${testPrefix}${crypto.randomUUID().slice(0, 6)}`
    const spec: StreamSpec = {
      name: `${prefix}_jobs`,
      subjects: [`${prefix}.>`],
      retention: "workqueue",
      duplicateWindow: Duration.seconds(5),
      maxAge: Option.none(),
      replicas: 1,
      ...overrides
    }
    const subject = (s: string) => `${prefix}.${s}`
    const consumerSpec = (name: string, filter: string, options: Partial<ConsumerSpec> = {}): ConsumerSpec => ({
      stream: spec.name,
      name,
      filterSubject: subject(filter),
      ackWait: second,
      maxDeliver: 5,
      ...options
    })
    return {
      broker,
      spec,
      stream: spec.name,
      subject,
      consumerSpec,
      consumer: (name: string, filter: string, options: Partial<ConsumerSpec> = {}) =>
        broker.ensureConsumer(consumerSpec(name, filter, options)),
      publish: (s: string, body: string, msgId: string = crypto.randomUUID()) => broker.publish(subject(s), bytes(body), { msgId }),
      fetch: (consumer: string, max: number, expires: Duration.Duration = second) =>
        broker.fetch(spec.name, consumer, { max, expires }),
      consumerState: (consumer: string) => Effect.map(broker.consumerState(spec.name, consumer), Option.getOrThrow),
      streamState: Effect.map(broker.streamState(spec.name), Option.getOrThrow)
    }
  })

/**
 * Reads until `check` passes (a few seconds at most): acknowledgements, naks and terminations are not confirmed by the
 * server, so what they change shows a moment later.
 */
const eventually = <A, E, R>(read: Effect.Effect<A, E, R>, check: (value: A) => void) =>
  Effect.flatMap(read, (value) => Effect.try(() => check(value))).pipe(
    Effect.retry(Schedule.intersect(Schedule.spaced("20 millis"), Schedule.recurs(150))),
    Effect.orDie
  )

const makeStream = (overrides: Partial<StreamSpec> = {}) =>
  Effect.tap(fresh(overrides), (t) => t.broker.ensureStream(t.spec))

/**
 * The behaviour every Broker must have, in real time (it runs against the real server too); each test gets the layer
 * afresh. `it.live` rather than `layer(...)`, whose `it` would replace `it.effect` for the rest of the test file.
 */
export const brokerContract = <E>(name: string, broker: Layer.Layer<Broker, E>) =>
  describe(`broker: ${name}`, () => {
    const live = (title: string, test: () => Effect.Effect<void, unknown, Broker>) =>
      it.live(title, () => Effect.provide(test(), broker))

    live("publish, fetch and ack remove the message from a work-queue stream", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        const published = yield* t.broker.publish(t.subject("a"), bytes("one"), { msgId: "m1", headers: { "X-Trace": "abc" } })
        expect(published).toEqual({ sequence: 1, duplicate: false })
        expect(yield* t.streamState).toMatchObject({ messages: 1, firstSequence: 1, lastSequence: 1, consumers: 1 })
        const d = single(yield* t.fetch("a", 1))
        expect([d.subject, text(d.data), d.streamSequence, d.deliveryCount]).toEqual([t.subject("a"), "one", 1, 1])
        expect(d.headers).toMatchObject({ "X-Trace": "abc", "Nats-Msg-Id": "m1" })
        yield* d.ack
        yield* d.ack
        yield* eventually(t.streamState, (state) => expect(state).toMatchObject({ messages: 0, lastSequence: 1 }))
        yield* eventually(t.consumerState("a"), (state) =>
          expect(state).toEqual({ name: "a", pending: 0, ackPending: 0, redelivered: 0 }))
        expect(yield* t.broker.getMessage(t.stream, 1)).toEqual(Option.none())
      }))

    live("a message id seen inside the duplicate window is stored once", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        expect(yield* t.publish("a", "one", "id-1")).toEqual({ sequence: 1, duplicate: false })
        expect(yield* t.publish("a", "one again", "id-1")).toEqual({ sequence: 1, duplicate: true })
        expect(yield* t.publish("a", "two", "id-2")).toEqual({ sequence: 2, duplicate: false })
        const deliveries = yield* t.fetch("a", 5)
        expect(deliveries.map((d) => [d.streamSequence, text(d.data)])).toEqual([[1, "one"], [2, "two"]])
      }))

    live("publishAll answers each message's outcome in order; one that fails fails only itself", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        yield* t.publish("a", "earlier", "id-0")
        const outcomes = yield* t.broker.publishAll([
          { subject: t.subject("a"), data: bytes("one"), msgId: "id-1", headers: { "X-Trace": "abc" } },
          { subject: `${t.stream}.nowhere`, data: bytes("lost"), msgId: "id-2" },
          { subject: t.subject("a"), data: bytes("earlier again"), msgId: "id-0" },
          { subject: t.subject("a"), data: bytes("two"), msgId: "id-3" }
        ])
        expect(outcomes.map((o) => Either.isRight(o) ? o.right : o.left._tag)).toEqual([
          { sequence: 2, duplicate: false },
          "BrokerError",
          { sequence: 1, duplicate: true },
          { sequence: 3, duplicate: false }
        ])
        expect(yield* t.broker.publishAll([])).toEqual([])
        const deliveries = yield* t.fetch("a", 5)
        expect(deliveries.map((d) => [text(d.data), d.headers["X-Trace"] ?? null])).toEqual([["earlier", null], ["one", "abc"], ["two", null]])
      }))

    live("consumers see only the subjects of their filter, in sequence order", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* Effect.all([t.consumer("a", "a"), t.consumer("b", "b"), t.consumer("c", "c.*")])
        const messages = [["a", "a1"], ["b", "b1"], ["a", "a2"], ["c.x", "c1"], ["c.x.y", "deep"]] as const
        yield* Effect.forEach(messages, ([s, body]) => t.publish(s, body))
        expect((yield* t.fetch("a", 2)).map((d) => [d.streamSequence, text(d.data)])).toEqual([[1, "a1"], [3, "a2"]])
        expect((yield* t.fetch("b", 1)).map((d) => text(d.data))).toEqual(["b1"])
        expect((yield* t.fetch("c", 2)).map((d) => d.subject)).toEqual([t.subject("c.x")])
        expect((yield* t.broker.consumers(t.stream)).map((c) => c.name).sort()).toEqual(["a", "b", "c"])
        const overlapping = yield* Effect.flip(t.consumer("all", ">"))
        expect(overlapping._tag).toBe("BrokerError")
      }))

    live("nak with a delay redelivers after the delay and not before", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a", { ackWait: Duration.seconds(5) })
        yield* t.publish("a", "one")
        const first = single(yield* t.fetch("a", 1))
        yield* first.nak(Duration.millis(500))
        expect(yield* t.consumerState("a")).toMatchObject({ pending: 0, ackPending: 1 })
        const [took, deliveries] = yield* Effect.timed(t.fetch("a", 1, Duration.seconds(2)))
        const again = single(deliveries)
        expect([again.streamSequence, again.deliveryCount]).toEqual([first.streamSequence, 2])
        expect(ms(took)).toBeGreaterThanOrEqual(400)
        expect(ms(took)).toBeLessThan(1500)
        yield* again.ack
      }))

    live("an unacknowledged message is redelivered after the ack wait", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        yield* t.publish("a", "one")
        expect(single(yield* t.fetch("a", 1)).deliveryCount).toBe(1)
        const [took, deliveries] = yield* Effect.timed(t.fetch("a", 1, Duration.seconds(3)))
        const again = single(deliveries)
        expect(again.deliveryCount).toBe(2)
        expect(ms(took)).toBeGreaterThanOrEqual(800)
        expect(ms(took)).toBeLessThan(2000)
        expect(yield* t.consumerState("a")).toMatchObject({ ackPending: 1, redelivered: 1 })
        yield* again.ack
        yield* eventually(t.consumerState("a"), (state) => expect(state).toMatchObject({ ackPending: 0, redelivered: 0 }))
      }))

    live("working() postpones the redelivery by an ack wait each time", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        yield* t.publish("a", "slow")
        const d = single(yield* t.fetch("a", 1))
        const meanwhile = yield* Effect.fork(t.fetch("a", 1, Duration.millis(1500)))
        yield* Effect.repeatN(Effect.zipRight(Effect.sleep(Duration.millis(400)), d.working), 3)
        expect(yield* Fiber.join(meanwhile)).toEqual([])
        const [took, deliveries] = yield* Effect.timed(t.fetch("a", 1, Duration.seconds(3)))
        expect(single(deliveries).deliveryCount).toBe(2)
        expect(ms(took)).toBeGreaterThanOrEqual(700)
      }))

    live("a terminated message is never delivered again and leaves a work queue", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        yield* t.publish("a", "bad")
        yield* single(yield* t.fetch("a", 1)).term("cannot parse")
        expect(yield* t.fetch("a", 1, Duration.millis(1500))).toEqual([])
        expect(yield* t.consumerState("a")).toMatchObject({ pending: 0, ackPending: 0 })
        expect(yield* t.streamState).toMatchObject({ messages: 0 })
      }))

    live("after maxDeliver a message is kept but not delivered, and maxDeliveries reports it", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a", { maxDeliver: 2 })
        const reached = yield* Effect.fork(Stream.runHead(t.broker.maxDeliveries([t.stream])))
        yield* Effect.sleep(Duration.millis(200))
        const { sequence } = yield* t.publish("a", "poison")
        yield* single(yield* t.fetch("a", 1)).nak(Duration.millis(300))
        const second = single(yield* t.fetch("a", 1, Duration.seconds(2)))
        expect(second.deliveryCount).toBe(2)
        yield* second.nak(Duration.millis(300))
        expect(yield* t.fetch("a", 1, Duration.millis(1500))).toEqual([])
        const event = yield* Fiber.join(reached).pipe(Effect.timeout(Duration.seconds(3)))
        expect(event).toEqual(Option.some({ stream: t.stream, consumer: "a", streamSequence: sequence }))
        expect(Option.map(yield* t.broker.getMessage(t.stream, sequence), (m) => text(m.data))).toEqual(Option.some("poison"))
        expect(yield* t.consumerState("a")).toMatchObject({ pending: 0, ackPending: 0 })
        expect(yield* t.streamState).toMatchObject({ messages: 1 })
      }))

    live("a limits stream keeps acknowledged messages until they are deleted", () =>
      Effect.gen(function*() {
        const t = yield* makeStream({ retention: "limits" })
        yield* t.consumer("all", ">")
        const messages = [["a", "one"], ["b", "two"], ["a", "three"], ["b", "four"]] as const
        yield* Effect.forEach(messages, ([s, body]) => t.publish(s, body))
        yield* Effect.forEach(yield* t.fetch("all", 2), (d) => d.ack)
        expect(yield* t.streamState).toMatchObject({ messages: 4, firstSequence: 1, lastSequence: 4 })
        const all = yield* t.broker.listMessages(t.stream, { fromSequence: 1, limit: 10 })
        expect(all.map((m) => [m.sequence, m.subject, text(m.data)])).toEqual([
          [1, t.subject("a"), "one"],
          [2, t.subject("b"), "two"],
          [3, t.subject("a"), "three"],
          [4, t.subject("b"), "four"]
        ])
        expect(yield* t.broker.deleteMessage(t.stream, 2)).toBe(true)
        expect(yield* t.broker.deleteMessage(t.stream, 2)).toBe(false)
        expect(yield* t.broker.deleteMessage(t.stream, 99)).toBe(false)
        expect(yield* t.broker.getMessage(t.stream, 2)).toEqual(Option.none())
        const third = Option.getOrThrow(yield* t.broker.getMessage(t.stream, 3))
        expect([third.subject, text(third.data), third.time instanceof Date]).toEqual([t.subject("a"), "three", true])
        expect(third.headers["Nats-Msg-Id"]).toBeTypeOf("string")
        const page = (fromSequence: number) =>
          Effect.map(t.broker.listMessages(t.stream, { fromSequence, limit: 2 }), (ms) => ms.map((m) => m.sequence))
        expect([yield* page(1), yield* page(2), yield* page(5)]).toEqual([[1, 3], [3, 4], []])
        expect(yield* t.streamState).toMatchObject({ messages: 3, firstSequence: 1, lastSequence: 4 })
        expect(yield* t.broker.getMessage(`${t.stream}_none`, 1)).toEqual(Option.none())
        expect(yield* t.broker.streamState(`${t.stream}_none`)).toEqual(Option.none())
      }))

    live("consumer state counts pending, in-flight and redelivered messages", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        yield* Effect.forEach(["one", "two", "three"], (body) => t.publish("a", body))
        expect(yield* t.consumerState("a")).toEqual({ name: "a", pending: 3, ackPending: 0, redelivered: 0 })
        const [first, second] = yield* t.fetch("a", 2)
        expect(yield* t.consumerState("a")).toMatchObject({ pending: 1, ackPending: 2 })
        yield* first!.ack
        yield* second!.nak(Duration.seconds(5))
        yield* eventually(t.consumerState("a"), (state) =>
          expect(state).toEqual({ name: "a", pending: 1, ackPending: 1, redelivered: 0 }))
        expect(yield* t.broker.consumers(t.stream)).toEqual([yield* t.consumerState("a")])
        expect(yield* t.broker.consumerState(t.stream, "missing")).toEqual(Option.none())
        expect(yield* t.broker.consumers(`${t.stream}_none`)).toEqual([])
      }))

    live("a fetch with nothing to deliver ends empty after its expiry; an interrupted one takes nothing", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("a", "a")
        const [took, none] = yield* Effect.timed(t.fetch("a", 5))
        expect(none).toEqual([])
        expect(ms(took)).toBeGreaterThanOrEqual(900)
        expect(ms(took)).toBeLessThan(3000)
        const abandoned = yield* Effect.fork(t.fetch("a", 1, Duration.seconds(10)))
        yield* Effect.sleep(Duration.millis(200))
        yield* Fiber.interrupt(abandoned)
        yield* t.publish("a", "one")
        const [tookNext, next] = yield* Effect.timed(t.fetch("a", 1, Duration.seconds(2)))
        expect(single(next).deliveryCount).toBe(1)
        expect(ms(tookNext)).toBeLessThan(1000)
        expect((yield* Effect.flip(t.fetch("missing", 1)))._tag).toBe("BrokerError")
        expect((yield* Effect.flip(t.broker.publish(`${testPrefix}.nowhere`, bytes("x"), { msgId: "x" })))._tag).toBe("BrokerError")
      }))

    live("ensureStream and ensureConsumer are idempotent, concurrent calls included, and update the spec", () =>
      Effect.gen(function*() {
        const t = yield* fresh()
        yield* Effect.all([t.broker.ensureStream(t.spec), t.broker.ensureStream(t.spec)], { concurrency: "unbounded" })
        const wider = { ...t.spec, duplicateWindow: Duration.seconds(10) }
        yield* Effect.all([t.broker.ensureStream(wider), t.broker.ensureStream(wider)], { concurrency: "unbounded" })
        const spec = t.consumerSpec("a", "a")
        yield* Effect.all([t.broker.ensureConsumer(spec), t.broker.ensureConsumer(spec)], { concurrency: "unbounded" })
        yield* t.broker.ensureConsumer({ ...spec, ackWait: Duration.seconds(2), maxDeliver: 3 })
        expect((yield* t.broker.consumers(t.stream)).map((c) => c.name)).toEqual(["a"])
        expect(yield* t.streamState).toMatchObject({ consumers: 1, subjects: t.spec.subjects })
        yield* t.publish("a", "one")
        expect(single(yield* t.fetch("a", 1)).deliveryCount).toBe(1)
        yield* t.broker.deleteConsumer(t.stream, "a")
        yield* t.broker.deleteConsumer(t.stream, "a")
        expect(yield* t.broker.consumers(t.stream)).toEqual([])
        expect(yield* t.broker.ping).toBeUndefined()
      }))

    live("consume hands on each message as it arrives, within the consumer's max ack pending", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* t.consumer("p", "p.*", { maxAckPending: 2, ackWait: Duration.seconds(30) })
        const arrived = yield* Queue.unbounded<Delivery>()
        const consuming = yield* Effect.fork(
          t.broker.consume(t.stream, "p", { max: 10 }).pipe(Stream.runForEach((d) => Queue.offer(arrived, d)))
        )
        yield* Effect.sleep(Duration.millis(300))
        yield* t.publish("p.one", "1")
        const first = yield* Queue.take(arrived)
        expect(text(first.data)).toBe("1")
        yield* first.ack
        yield* Effect.forEach(["2", "3", "4"], (body) => t.publish("p.two", body))
        const held = [yield* Queue.take(arrived), yield* Queue.take(arrived)]
        expect(held.map((d) => text(d.data))).toEqual(["2", "3"])
        yield* Effect.sleep(Duration.millis(1000))
        expect(yield* Queue.size(arrived)).toBe(0)
        yield* Effect.forEach(held, (d) => d.ack)
        expect(text((yield* Queue.take(arrived)).data)).toBe("4")
        yield* Fiber.interrupt(consuming)
      }))

    live("subject counts give the messages stored on each subject under a filter", () =>
      Effect.gen(function*() {
        const t = yield* makeStream()
        yield* Effect.all([t.publish("w.1.a", "x"), t.publish("w.1.a", "y"), t.publish("w.2.b", "z"), t.publish("other", "o")])
        const counts = yield* t.broker.subjectCounts(t.stream, t.subject("w.*.*"))
        expect(Object.fromEntries(counts)).toEqual({ [t.subject("w.1.a")]: 2, [t.subject("w.2.b")]: 1 })
        expect((yield* t.broker.subjectCounts(t.stream, t.subject("w.*.c"))).size).toBe(0)
      }))
  })
