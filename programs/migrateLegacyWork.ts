import { Effect } from "effect"
import { brokerRetry, legacyDrainFetchWait, writeAckWait } from "../src/Schedules.ts"
import { Broker, headerOf } from "../src/services/Broker.ts"
import { currentTopology } from "./brokerTopology.ts"

/** The consumer that drains the per-company subjects of releases before partitions. */
const DRAIN_CONSUMER = "legacy-drain"

const DRAIN_BATCH = 100

/**
 * Moves the work of a release with one consumer per company into the partitions: deletes those consumers, then takes
 * every message left on their subjects and publishes it again on its company's partition subject (headers and trace
 * kept) before acknowledging it. A crash midway repeats a few publishes (a routing's second message is harmless: it is
 * acknowledged once the routing is delivered), and reconciliation queues again anything still missing. Does nothing on a
 * deployment that has no such work.
 */
export const migrateLegacyWork = Effect.gen(function*() {
  const broker = yield* Broker
  const names = yield* currentTopology
  const legacy = (yield* broker.consumers(names.workStream)).filter((c) => names.legacy.isConsumer(c.name))
  yield* Effect.forEach(legacy, (c) => broker.deleteConsumer(names.workStream, c.name), { discard: true })
  const left = () => Effect.map(broker.subjectCounts(names.workStream, names.legacy.workSubjects), (counts) => counts.size > 0)
  if (legacy.length === 0 && !(yield* left())) return
  yield* broker.ensureConsumer({
    stream: names.workStream,
    name: DRAIN_CONSUMER,
    filterSubject: names.legacy.workSubjects,
    ackWait: writeAckWait,
    maxDeliver: -1
  })
  let moved = 0
  while (true) {
    const batch = yield* broker.fetch(names.workStream, DRAIN_CONSUMER, { max: DRAIN_BATCH, expires: legacyDrainFetchWait })
    if (batch.length === 0 && !(yield* left())) break
    yield* Effect.forEach(batch, (message) =>
      Effect.gen(function*() {
        const companyId = names.companyOfSubject(message.subject)
        if (companyId !== null) {
          const { "Nats-Msg-Id": _, ...headers } = message.headers
          const id = headerOf(message, "Nats-Msg-Id") ?? String(message.streamSequence)
          yield* broker.publish(names.deliverSubject(companyId as never), message.data, { msgId: `${id}.partitioned`, headers })
        }
        yield* message.ack
      }), { concurrency: 16, discard: true })
    moved += batch.length
  }
  yield* broker.deleteConsumer(names.workStream, DRAIN_CONSUMER)
  yield* Effect.logInfo("work of per-company consumers moved to partitions").pipe(
    Effect.annotateLogs({ consumers: legacy.length, messages: moved })
  )
}).pipe(
  Effect.tapError((error) => Effect.logWarning("moving per-company work to partitions failed; retrying").pipe(Effect.annotateLogs("error", error.message))),
  Effect.retry(brokerRetry),
  Effect.withSpan("Broker.migrateLegacyWork")
)
