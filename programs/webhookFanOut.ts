import { Effect, Option, Schema } from "effect"
import { DomainEventType } from "../src/domain/events.ts"
import { EventId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { webhookBody, type WebhookEvent } from "../src/domain/webhook.ts"
import { brokerRetry, webhookFanOutRetry, webhookFetchWait, writeAckWait } from "../src/Schedules.ts"
import { Broker, type ConsumerSpec, type Delivery, headerOf } from "../src/services/Broker.ts"
import { WebhookRepo } from "../src/services/Webhooks.ts"
import { currentTopology } from "./brokerTopology.ts"
import { keepAllAlive } from "./keepAlive.ts"
import { processInTrace } from "./messageSpans.ts"

/** The durable consumer on the events stream that feeds webhooks. */
export const WEBHOOK_CONSUMER = "webhooks"

/** Messages taken per pull (how long a pull waits for them: `webhookFetchWait`). */
const FETCH_MAX = 50

/**
 * The webhooks consumer: every domain event, acknowledged once its deliveries are written. No limit on deliveries: an
 * event is never given up because the database was away.
 */
export const webhookConsumerSpec = Effect.map(currentTopology, (names): ConsumerSpec => ({
  stream: names.eventStream,
  name: WEBHOOK_CONSUMER,
  filterSubject: names.eventSubjects,
  ackWait: writeAckWait,
  maxDeliver: -1
}))

const decodeEventId = Schema.decodeUnknownOption(EventId)
const decodeType = Schema.decodeUnknownOption(DomainEventType)

const parseJson = (bytes: Uint8Array): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(new TextDecoder().decode(bytes)))
  } catch {
    return Option.none()
  }
}

/**
 * The event a message of the events stream carries: its id (`Nats-Msg-Id`, the outbox event's id), its type
 * (`Event-Type`), when it was made (`Event-Created-At`, else `receivedAt`) and its payload; none when it is not one.
 */
export const eventOfMessage = (message: Delivery, receivedAt: Date): Option.Option<WebhookEvent> =>
  Option.gen(function*() {
    const id = yield* decodeEventId(headerOf(message, "Nats-Msg-Id"))
    const type = yield* decodeType(headerOf(message, "Event-Type"))
    const data = yield* parseJson(message.data)
    const stamped = new Date(headerOf(message, "Event-Created-At") ?? "")
    const createdAt = Number.isNaN(stamped.getTime()) ? receivedAt : stamped
    const company = (data as { company_id?: unknown } | null)?.company_id
    return {
      id,
      type,
      companyId: typeof company === "string" ? company : null,
      createdAt,
      body: webhookBody({ id, type, createdAt, data })
    }
  })

/**
 * The messages of one pull: a pending delivery for each subscribed hook of each event, written at once by `enqueue` (a
 * (hook, event) pair already there adds nothing, so a redelivered message is harmless), then the acks. A message that
 * is no event is logged and dropped. While the deliveries cannot be written (the database away), the write is tried
 * again on `webhookFanOutRetry` for as long as it takes, the messages kept alive at the broker meanwhile, and no further
 * pull is made. Each message's settling is traced as its processing. Answers the deliveries added.
 */
export const fanOutMessages = Effect.fn("Webhooks.fanOut")(function*(
  messages: ReadonlyArray<Delivery>,
  consumer: { readonly stream: string; readonly name: string }
) {
  const at = yield* now
  const events: Array<{ readonly message: Delivery; readonly event: WebhookEvent }> = []
  for (const message of messages) {
    const event = eventOfMessage(message, at)
    if (Option.isSome(event)) {
      events.push({ message, event: event.value })
      continue
    }
    yield* Effect.logWarning("events stream message is not a domain event; dropped").pipe(
      Effect.annotateLogs({ subject: message.subject, stream_sequence: message.streamSequence })
    )
    yield* Effect.ignore(message.term("not a domain event"))
  }
  if (events.length === 0) return 0
  const repo = yield* WebhookRepo
  const added = yield* Effect.flatMap(now, (writtenAt) => repo.enqueue(events.map((e) => e.event), writtenAt)).pipe(
    Effect.tapError((error) =>
      Effect.logWarning("webhook deliveries not written; trying again").pipe(
        Effect.annotateLogs({ events: events.length, error: error.message })
      )
    ),
    Effect.retry(webhookFanOutRetry),
    Effect.race(keepAllAlive(() => events.map((e) => e.message)))
  )
  yield* Effect.forEach(events, ({ message }) => Effect.ignore(message.ack).pipe(processInTrace(message, consumer)), {
    discard: true
  })
  return added
})

/**
 * The fan-out: ensures the `webhooks` consumer on the events stream, then pulls events and writes their deliveries, a
 * pull at a time, until interrupted. A broker or database failure is logged and the pull tried again
 * on `webhookFanOutRetry`.
 */
export const fanOutWebhooks = Effect.gen(function*() {
  const broker = yield* Broker
  const spec = yield* webhookConsumerSpec
  yield* broker.ensureConsumer(spec).pipe(Effect.retry(brokerRetry))
  const batch = broker.fetch(spec.stream, spec.name, { max: FETCH_MAX, expires: webhookFetchWait }).pipe(
    Effect.flatMap((messages) => fanOutMessages(messages, spec)),
    Effect.tapError((error) => Effect.logWarning("webhook fan-out failed; retrying").pipe(Effect.annotateLogs("error", error.message))),
    Effect.retry(webhookFanOutRetry)
  )
  yield* Effect.forever(batch)
})
