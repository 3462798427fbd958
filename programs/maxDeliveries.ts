import { Effect, Option, Schema, Stream } from "effect"
import { RoutingCreated } from "../src/domain/events.ts"
import { now } from "../src/domain/time.ts"
import { brokerRetry } from "../src/Schedules.ts"
import { Broker, type MaxDeliveriesReached } from "../src/services/Broker.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { currentTopology } from "./brokerTopology.ts"
import { sendToDeadLetters } from "./deadLetters.ts"
import { finishAttempt } from "./finishAttempt.ts"

const decodePayload = Schema.decodeUnknownOption(Schema.parseJson(RoutingCreated))

/**
 * The backstop for a message the server stopped delivering after its consumer's max deliveries (e.g. it crashed the
 * service each time): its routing, if still to deliver, is `failed`, the message is copied to the dead letters and
 * removed from the work stream, where the server leaves it.
 */
export const handleMaxDeliveries = Effect.fn("Delivery.maxDeliveries")(function*(event: MaxDeliveriesReached) {
  const broker = yield* Broker
  const routings = yield* RoutingRepo
  const names = yield* currentTopology
  const message = yield* broker.getMessage(event.stream, event.streamSequence)
  if (Option.isNone(message)) return
  const payload = decodePayload(new TextDecoder().decode(message.value.data))
  if (Option.isSome(payload)) {
    const routingId = payload.value.routing_id
    const found = yield* routings.get(routingId)
    if (Option.isSome(found) && ["pending", "retrying", "syncing"].includes(found.value.routing.syncStatus)) {
      const reason = `the broker stopped delivering it after ${event.consumer}'s max deliveries`
      const attempts = found.value.routing.attempts
      yield* sendToDeadLetters({
        ...message.value,
        routingId,
        jobId: payload.value.job_id,
        companyId: payload.value.company_id,
        attempts,
        reason
      })
      // Unknown: the routing may have been mid-call (`syncing`) when the service went down, or may still owe a lookup
      // for an earlier call cut off; should it be reopened, its next attempt asks the provider first.
      yield* finishAttempt(found.value.routing, null, {
        _tag: "Failed",
        status: "failed",
        outcome: "max_deliveries",
        error: reason,
        counts: false,
        known: false
      }, { at: yield* now, durationMs: 0 })
    }
  }
  yield* broker.deleteMessage(names.workStream, event.streamSequence)
})

/** Listens for max-deliveries advisories on the work stream for as long as it runs, resubscribing after broker faults. */
export const watchMaxDeliveries = Effect.gen(function*() {
  const broker = yield* Broker
  const names = yield* currentTopology
  yield* broker.maxDeliveries([names.workStream]).pipe(
    Stream.runForEach((event) =>
      handleMaxDeliveries(event).pipe(
        Effect.catchAll((error) =>
          Effect.logError("cannot dead-letter a message past its max deliveries").pipe(
            Effect.annotateLogs({ sequence: event.streamSequence, error: error.message })
          )
        )
      )
    ),
    Effect.tapError((error) => Effect.logWarning("max-deliveries advisories lost; resubscribing").pipe(
      Effect.annotateLogs("error", error.message)
    )),
    Effect.retry(brokerRetry),
    Effect.forever
  )
})
