import { Duration, Effect, Option } from "effect"
import { topology } from "../src/domain/topology.ts"
import { brokerRetry, workAckWait } from "../src/Schedules.ts"
import { Broker, type ConsumerSpec } from "../src/services/Broker.ts"
import { BrokerPrefix, DeliverySettings, StreamReplicas } from "../src/services/Settings.ts"

/** How long a message id is remembered to drop a duplicate publish (the relay's crash window is far shorter). */
const DUPLICATE_WINDOW = Duration.minutes(2)

/** Dead letters are kept for operators this long. */
const DEAD_LETTER_MAX_AGE = Duration.days(30)

/** Domain events stay this long for subscribers that were away. */
const EVENT_MAX_AGE = Duration.days(7)

/** The broker names under the configured prefix, over the configured number of partitions. */
export const currentTopology = Effect.zipWith(BrokerPrefix, DeliverySettings, (prefix, settings) => topology(prefix, settings.partitions))

/**
 * A partition's consumer. Its ack wait outlasts a provider call; its max deliveries is a backstop well above the
 * attempts a routing is given (naks for a busy lease or a restart also count as deliveries); its max ack pending bounds
 * what the partition's runner holds at once.
 */
export const partitionConsumerSpec = (partition: number) =>
  Effect.gen(function*() {
    const names = yield* currentTopology
    const settings = yield* DeliverySettings
    return {
      stream: names.workStream,
      name: names.partitionConsumer(partition),
      filterSubject: names.partitionSubjects(partition),
      ackWait: workAckWait(settings.providerTimeout),
      maxDeliver: settings.attempts * 3 + 10,
      maxAckPending: settings.partitionMaxAckPending
    } satisfies ConsumerSpec
  })

/**
 * Creates (or updates) the work-queue, dead-letter and event streams with the configured replicas, changing those of
 * streams that exist with another number; idempotent, and safe with several processes. Retries while the broker cannot
 * be reached.
 */
export const provisionStreams = Effect.gen(function*() {
  const broker = yield* Broker
  const names = yield* currentTopology
  const replicas = yield* StreamReplicas
  const streams = [
    { name: names.workStream, subjects: names.workSubjects, retention: "workqueue", maxAge: Option.none() },
    { name: names.deadLetterStream, subjects: [names.deadLetterSubjects], retention: "limits", maxAge: Option.some(DEAD_LETTER_MAX_AGE) },
    { name: names.eventStream, subjects: [names.eventSubjects], retention: "limits", maxAge: Option.some(EVENT_MAX_AGE) }
  ] as const
  yield* Effect.forEach(streams, (stream) => broker.ensureStream({ ...stream, duplicateWindow: DUPLICATE_WINDOW, replicas }), {
    discard: true
  })
  yield* Effect.logInfo("broker streams ready").pipe(
    Effect.annotateLogs({ work: names.workStream, dead_letters: names.deadLetterStream, events: names.eventStream, replicas })
  )
}).pipe(
  Effect.tapError((error) => Effect.logWarning("broker not ready; retrying").pipe(Effect.annotateLogs("error", error.message))),
  Effect.retry(brokerRetry),
  Effect.withSpan("Broker.provisionStreams")
)
