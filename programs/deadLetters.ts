import { Effect, Option, Schema } from "effect"
import { Conflict, NotFound } from "../src/domain/errors.ts"
import { deadLetterMessage } from "../src/domain/alerts.ts"
import { CompanyId, type JobId, RoutingId } from "../src/domain/ids.ts"
import { DeadLetterAdded } from "../src/domain/events.ts"
import { now } from "../src/domain/time.ts"
import { Broker, headerOf, type StoredMessage } from "../src/services/Broker.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { currentTopology } from "./brokerTopology.ts"
import { requireAdmin, requireSeesAll } from "./access.ts"
import { alertSubject, raiseAlert, resolveAlert } from "./alerts.ts"
import { reopenRoutings } from "./reopenRoutings.ts"

/** Headers a dead letter carries besides those of the message it copies. */
export const DeadLetterHeaders = {
  reason: "Dead-Letter-Reason",
  routingId: "Routing-Id",
  companyId: "Company-Id",
  attempts: "Attempts",
  failedAt: "Failed-At",
  subject: "Original-Subject"
} as const

export interface DeadLetter {
  /** Its sequence in the dead-letter stream. */
  readonly id: number
  readonly routingId: string | null
  readonly companyId: string | null
  readonly reason: string
  readonly attempts: number
  readonly failedAt: Date
  readonly originalSubject: string | null
}

/** A dead letter as read from its stored message's headers. */
export const toDeadLetter = (message: StoredMessage): DeadLetter => ({
  id: message.sequence,
  routingId: message.headers[DeadLetterHeaders.routingId] ?? null,
  companyId: message.headers[DeadLetterHeaders.companyId] ?? null,
  reason: message.headers[DeadLetterHeaders.reason] ?? "unknown",
  attempts: Number(message.headers[DeadLetterHeaders.attempts] ?? 0),
  failedAt: new Date(message.headers[DeadLetterHeaders.failedAt] ?? message.time.toISOString()),
  originalSubject: message.headers[DeadLetterHeaders.subject] ?? null
})

/**
 * Copies a message that will not be delivered to the dead-letter stream with the reason, then opens the routing's
 * `dead_letter.added` alert and announces it. The copy's message id is the routing, the work message's id and the
 * attempt count, and the alert's key its routing, so a retry after a crash neither copies nor announces it twice.
 */
export const sendToDeadLetters = Effect.fn("DeadLetters.send")(function*(message: {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: Readonly<Record<string, string>>
  readonly routingId: RoutingId
  readonly jobId: JobId
  readonly companyId: CompanyId
  readonly attempts: number
  readonly reason: string
}) {
  const broker = yield* Broker
  const names = yield* currentTopology
  // The work message's own id (its outbox event's) tells a redelivery of the same message, which must not be copied
  // twice, from the routing queued again by a retry and given up again, which must be.
  const work = headerOf(message, "Nats-Msg-Id")
  yield* broker.publish(names.deadLetterSubject(message.companyId), message.data, {
    msgId: ["dead-letter", message.routingId, ...(work === undefined ? [] : [work]), message.attempts].join("-"),
    headers: {
      ...message.headers,
      [DeadLetterHeaders.reason]: message.reason.slice(0, 1000),
      [DeadLetterHeaders.routingId]: message.routingId,
      [DeadLetterHeaders.companyId]: message.companyId,
      [DeadLetterHeaders.attempts]: String(message.attempts),
      [DeadLetterHeaders.failedAt]: (yield* now).toISOString(),
      [DeadLetterHeaders.subject]: message.subject
    }
  })
  yield* Effect.logWarning("routing dead-lettered").pipe(
    Effect.annotateLogs({ routing_id: message.routingId, company_id: message.companyId, reason: message.reason })
  )
  const text = deadLetterMessage(yield* alertSubject(message.companyId), message.jobId, message.attempts, message.reason)
  yield* raiseAlert({
    kind: "dead_letter.added",
    companyId: message.companyId,
    routingId: message.routingId,
    jobId: message.jobId,
    message: text,
    payload: DeadLetterAdded.make({
      company_id: message.companyId,
      message: text,
      routing_id: message.routingId,
      job_id: message.jobId,
      attempts: message.attempts,
      reason: message.reason.slice(0, 1000)
    })
  })
})

/** Dead letters, oldest first, at most `limit`. */
export const listDeadLetters = Effect.fn("DeadLetters.list")(function*(limit: number) {
  yield* requireSeesAll
  const broker = yield* Broker
  const names = yield* currentTopology
  const state = yield* broker.streamState(names.deadLetterStream)
  if (Option.isNone(state)) return []
  const messages = yield* broker.listMessages(names.deadLetterStream, { fromSequence: state.value.firstSequence, limit })
  return messages.map(toDeadLetter)
})

const deadLetterAt = (id: number) =>
  Effect.gen(function*() {
    const names = yield* currentTopology
    const message = yield* (yield* Broker).getMessage(names.deadLetterStream, id)
    if (Option.isNone(message)) return yield* new NotFound({ resource: "dead letter", id: String(id) })
    return toDeadLetter(message.value)
  })

/**
 * Puts a `failed` routing back to `pending`, queues it again and resolves its dead-letter alert (see `reopenRoutings`);
 * `NotFound` when there is no such routing, `Conflict` when it is not `failed`.
 */
export const requeueFailed = Effect.fn("Routings.requeue")(function*(routingId: RoutingId) {
  const found = yield* (yield* RoutingRepo).get(routingId)
  if (Option.isNone(found)) return yield* new NotFound({ resource: "routing", id: routingId })
  const reopened = yield* reopenRoutings([routingId], yield* now)
  if (!reopened.has(routingId)) {
    return yield* new Conflict({ message: `routing is ${found.value.routing.syncStatus}; only a failed routing is retried` })
  }
  yield* Effect.logInfo("routing requeued").pipe(Effect.annotateLogs({ routing_id: routingId }))
})

/** Delivers a dead letter's routing again (it must be `failed`), and removes the dead letter. */
export const replayDeadLetter = Effect.fn("DeadLetters.replay")(function*(id: number) {
  yield* requireAdmin
  const letter = yield* deadLetterAt(id)
  const routingId = Schema.decodeUnknownOption(RoutingId)(letter.routingId)
  if (Option.isNone(routingId)) return yield* new Conflict({ message: "this dead letter names no routing" })
  yield* requeueFailed(routingId.value)
  const names = yield* currentTopology
  yield* (yield* Broker).deleteMessage(names.deadLetterStream, id)
  return letter
})

/** Removes a dead letter, and resolves its routing's `dead_letter.added` alert (the operator has dealt with it). */
export const deleteDeadLetter = Effect.fn("DeadLetters.delete")(function*(id: number) {
  yield* requireAdmin
  const names = yield* currentTopology
  const letter = yield* deadLetterAt(id)
  if (!(yield* (yield* Broker).deleteMessage(names.deadLetterStream, id))) {
    return yield* new NotFound({ resource: "dead letter", id: String(id) })
  }
  const routingId = Schema.decodeUnknownOption(RoutingId)(letter.routingId)
  const companyId = Schema.decodeUnknownOption(CompanyId)(letter.companyId)
  if (Option.isSome(routingId) && Option.isSome(companyId)) {
    yield* resolveAlert({ kind: "dead_letter.added", companyId: companyId.value, routingId: routingId.value })
  }
})
