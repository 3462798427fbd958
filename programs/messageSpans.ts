import { type Delivery, headerOf } from "../src/services/Broker.ts"
import { startSpanContinuing, withSpanContinuing } from "../src/Telemetry.ts"

/**
 * The producer span of a message about to be published, in the trace of the work that made it (`traceparent`, stored
 * with the outbox row); the message carries this span's `traceparent` on, so that its processing continues the same
 * trace. The publisher ends it once the broker answered.
 */
export const startPublishSpan = (
  message: { readonly stream: string; readonly subject: string; readonly messageId: string; readonly traceparent: string | null }
) =>
  startSpanContinuing(`publish ${message.stream}`, message.traceparent, {
    kind: "producer",
    attributes: {
      "messaging.system": "nats",
      "messaging.operation.type": "send",
      "messaging.operation.name": "publish",
      "messaging.destination.name": message.subject,
      "messaging.message.id": message.messageId
    }
  })

/**
 * Handles a delivered message as a consumer span in the trace its `traceparent` header names: each delivery of a
 * message (a redelivery too) is a span of its own there.
 */
export const processInTrace = (message: Delivery, consumer: { readonly stream: string; readonly name: string }) =>
  withSpanContinuing(`process ${consumer.stream}`, headerOf(message, "traceparent"), {
    kind: "consumer",
    attributes: {
      "messaging.system": "nats",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": message.subject,
      "messaging.consumer.group.name": consumer.name,
      "messaging.message.id": headerOf(message, "Nats-Msg-Id") ?? "",
      "messaging.nats.stream.sequence": message.streamSequence,
      "messaging.nats.message.delivery_count": message.deliveryCount
    }
  })
