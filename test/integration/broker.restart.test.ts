import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Logger, LogLevel, Option, Schedule } from "effect"
import { layer } from "../../layers/broker/jetstream.ts"
import { Broker } from "../../src/services/Broker.ts"
import { type PrivateNatsServer, startNatsServer } from "../support/nats.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** Retries while the client reconnects and JetStream recovers its streams. */
const untilBack = <A, E>(self: Effect.Effect<A, E>) =>
  self.pipe(Effect.retry(Schedule.spaced(Duration.millis(200))), Effect.timeout(Duration.seconds(15)))

describe("broker: JetStream across a NATS restart", () => {
  let server: PrivateNatsServer | undefined

  beforeAll(async () => {
    server = await startNatsServer()
  })

  afterAll(async () => {
    await server?.dispose()
  })

  it.live("the same layer publishes and consumes again after the server restarts, losing nothing stored", () =>
    Effect.gen(function*() {
      const nats = server!
      const broker = yield* Broker
      expect(broker.durable).toBe(true)
      yield* broker.ensureStream({
        name: "jobs",
        subjects: ["jobs.>"],
        retention: "workqueue",
        duplicateWindow: Duration.seconds(30),
        maxAge: Option.none(),
        replicas: 1
      })
      yield* broker.ensureConsumer({ stream: "jobs", name: "a", filterSubject: "jobs.a", ackWait: Duration.seconds(5), maxDeliver: 5 })
      const fetch = broker.fetch("jobs", "a", { max: 1, expires: Duration.seconds(1) })

      yield* broker.publish("jobs.a", bytes("before"), { msgId: "1" })
      const [first] = yield* fetch
      expect(text(first!.data)).toBe("before")
      yield* first!.ack
      yield* broker.publish("jobs.a", bytes("kept"), { msgId: "2" })

      yield* Effect.promise(() => nats.stop())
      const [took, down] = yield* Effect.timed(Effect.either(broker.ping))
      expect(down._tag).toBe("Left")
      expect(Duration.toMillis(took)).toBeLessThan(3000)
      yield* Effect.promise(() => nats.start())

      yield* untilBack(broker.ping)
      expect(yield* untilBack(broker.publish("jobs.a", bytes("after"), { msgId: "3" }))).toEqual({ sequence: 3, duplicate: false })
      expect(yield* broker.publish("jobs.a", bytes("kept"), { msgId: "2" })).toEqual({ sequence: 2, duplicate: true })
      const deliveries = yield* untilBack(broker.fetch("jobs", "a", { max: 2, expires: Duration.seconds(2) }))
      expect(deliveries.map((d) => [d.streamSequence, text(d.data)])).toEqual([[2, "kept"], [3, "after"]])
      yield* Effect.forEach(deliveries, (d) => d.ack)
      // An ack reaches the server a moment after it is sent: the stream is read until it has applied them (at most 5 s).
      const messagesLeft = Effect.map(broker.streamState("jobs"), Option.map((s) => s.messages))
      yield* messagesLeft.pipe(
        Effect.repeat({ schedule: Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(5))), until: Option.contains(0) })
      )
      expect(yield* messagesLeft).toEqual(Option.some(0))
    }).pipe(
      Effect.provide(layer({ servers: server!.url, name: "restart-test" })),
      Logger.withMinimumLogLevel(LogLevel.Error)
    ))
})
