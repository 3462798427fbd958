import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { jetstreamManager, type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Duration, Effect, Either, Layer, Logger, LogLevel, Schedule } from "effect"
import { layer as layerJetStream } from "../../layers/broker/jetstream.ts"
import { currentTopology, partitionConsumerSpec, provisionStreams } from "../../programs/brokerTopology.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { Broker, type OutgoingMessage } from "../../src/services/Broker.ts"
import { BrokerPrefix, DeliverySettings, StreamReplicas } from "../../src/services/Settings.ts"
import { type NatsCluster, startNatsCluster } from "../support/natsCluster.ts"
import { defaultDelivery } from "../support/services.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** The service's broker on the cluster's server list, as `NATS_STREAM_REPLICAS=3` and one partition configure it. */
const layerOn = (servers: string) =>
  Layer.mergeAll(
    layerJetStream({ servers, name: "cluster-test" }),
    Layer.succeed(BrokerPrefix, `t${crypto.randomUUID().slice(0, 8)}`),
    Layer.succeed(StreamReplicas, 3),
    Layer.succeed(DeliverySettings, { ...defaultDelivery, partitions: 1 })
  )

/** A JetStream manager of the test's own, to read stream info as an operator would. */
const managerOn = (servers: string) =>
  Effect.acquireRelease(
    Effect.promise(() => connect({ servers: servers.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 250 })),
    (nc) => Effect.promise(() => nc.close())
  ).pipe(Effect.flatMap((nc) => Effect.promise(() => jetstreamManager(nc))))

/** Checks until `check` passes: leaders are elected and replicas catch up a moment after a change. */
const eventually = <A, E>(read: Effect.Effect<A, E>, check: (value: A) => void) =>
  Effect.flatMap(read, (value) => Effect.as(Effect.try(() => check(value)), value)).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(200))),
    Effect.timeout(Duration.seconds(20)),
    Effect.orDie
  )

/** The stream's info once it has `replicas` replicas, a leader, and every other replica current. */
const replicated = (jsm: JetStreamManager, stream: string, replicas: number) =>
  eventually(Effect.tryPromise(() => jsm.streams.info(stream)), (info) => {
    expect(info.config.num_replicas).toBe(replicas)
    expect(info.cluster?.leader).toBeTruthy()
    expect(info.cluster?.replicas?.filter((replica) => replica.current)).toHaveLength(replicas - 1)
  })

/** Publishes every message, again and again for those not stored yet (no stream leader for a moment), ids unchanged. */
const publishAll = (messages: ReadonlyArray<OutgoingMessage>) =>
  Effect.flatMap(Broker, (broker) => {
    let left = messages
    return Effect.suspend(() => broker.publishAll(left)).pipe(
      Effect.flatMap((results) => {
        left = left.filter((_, i) => Either.isLeft(results[i]!))
        return left.length === 0 ? Effect.void : Effect.fail(`${left.length} messages not stored yet`)
      }),
      Effect.retry(Schedule.spaced(Duration.millis(250))),
      Effect.timeout(Duration.seconds(25)),
      Effect.orDie
    )
  })

/** Fetches and acknowledges until `count` different message bodies came; answers them. */
const takeAll = (stream: string, consumer: string, count: number) =>
  Effect.flatMap(Broker, (broker) => {
    const seen = new Set<string>()
    return broker.fetch(stream, consumer, { max: count, expires: Duration.seconds(1) }).pipe(
      Effect.flatMap((deliveries) => Effect.forEach(deliveries, (d) => Effect.zipRight(Effect.sync(() => seen.add(text(d.data))), d.ack))),
      Effect.either,
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(100)), until: () => seen.size >= count }),
      Effect.timeout(Duration.seconds(25)),
      Effect.orDie,
      Effect.as(seen)
    )
  })

describe("broker: a three-node JetStream cluster, streams at three replicas", () => {
  let cluster: NatsCluster | undefined

  beforeAll(async () => {
    cluster = await startNatsCluster()
  })

  afterAll(async () => {
    await cluster?.dispose()
  })

  it.scopedLive("start-up creates the streams with three replicas and raises an existing one-replica stream to three", () =>
    Effect.gen(function*() {
      const jsm = yield* managerOn(cluster!.servers)
      const names = yield* currentTopology
      const existing = yield* Effect.promise(() =>
        jsm.streams.add({
          name: names.workStream,
          subjects: [...names.workSubjects],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          num_replicas: 1
        })
      )
      expect(existing.config.num_replicas).toBe(1)
      // The other nodes learn of the new stream's subjects a moment later: a publish through them may find no one yet.
      yield* publishAll([{ subject: names.deliverSubject(CompanyId.make(crypto.randomUUID())), data: bytes("kept"), msgId: crypto.randomUUID() }])

      yield* provisionStreams

      for (const stream of [names.workStream, names.deadLetterStream, names.eventStream]) yield* replicated(jsm, stream, 3)
      expect((yield* replicated(jsm, names.workStream, 3)).state.messages).toBe(1)
    }).pipe(Effect.provide(layerOn(cluster!.servers)), Logger.withMinimumLogLevel(LogLevel.Error)))

  it.scopedLive("with the stream leader killed, publishing and consuming go on and lose nothing; restarted, it rejoins", () =>
    Effect.gen(function*() {
      const nats = cluster!
      const jsm = yield* managerOn(nats.servers)
      const names = yield* currentTopology
      yield* provisionStreams
      const consumer = yield* partitionConsumerSpec(0)
      yield* Effect.flatMap(Broker, (broker) => broker.ensureConsumer(consumer))
      const subject = names.deliverSubject(CompanyId.make(crypto.randomUUID()))
      const messages = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => ({ subject, data: bytes(`m${from + i}`), msgId: crypto.randomUUID() }))

      yield* publishAll(messages(0, 20))
      const leader = (yield* replicated(jsm, names.workStream, 3)).cluster!.leader!
      yield* Effect.promise(() => nats.stop(leader, "SIGKILL"))
      yield* publishAll(messages(20, 20))
      const taken = yield* takeAll(names.workStream, consumer.name, 40)
      expect([...taken].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort())

      yield* Effect.promise(() => nats.start(leader))
      const info = yield* replicated(jsm, names.workStream, 3)
      const current = info.cluster!.replicas!.filter((replica) => replica.current).map((replica) => replica.name)
      expect([info.cluster!.leader, ...current].sort()).toEqual(nats.nodes.map((node) => node.name))
      yield* publishAll(messages(40, 1))
      expect([...yield* takeAll(names.workStream, consumer.name, 1)]).toEqual(["m40"])
    }).pipe(Effect.provide(layerOn(cluster!.servers)), Logger.withMinimumLogLevel(LogLevel.Error)), 50_000)
})
