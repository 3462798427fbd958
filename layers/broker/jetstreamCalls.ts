import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream"
import { Duration, Effect } from "effect"
import { BrokerError, type Delivery, type OutgoingMessage, type PublishResult } from "../../src/services/Broker.ts"
import { fromHeaders, isHeartbeatsMissed, toHeaders } from "./jetstreamCodec.ts"

/** One JetStream API request fails after this long. */
export const requestTimeout = Duration.seconds(5)
/** Bound on one broker operation, which may make a few requests (add, then info and update). */
export const operationTimeout = Duration.seconds(15)
/** How far past its `expires` a fetch may run before it is abandoned (a dead server sends no end of batch). */
export const fetchGrace = Duration.seconds(5)
export const pingTimeout = Duration.seconds(2)

export const timedOut = (operation: string, after: Duration.Duration) => () =>
  new BrokerError({ operation, cause: new Error(`no answer within ${Duration.format(after)}`) })

/** One request to the server, as a span of its own when `traced` (`OTEL_DETAILED_SPANS`). */
export const request = <A>(
  operation: string,
  f: () => Promise<A>,
  options: { readonly timeout?: Duration.Duration; readonly traced?: boolean } = {}
) => {
  const { timeout = operationTimeout, traced = false } = options
  const run = Effect.tryPromise({ try: f, catch: (cause) => new BrokerError({ operation, cause }) }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: timedOut(operation, timeout) })
  )
  return traced
    ? Effect.withSpan(run, `broker ${operation}`, { captureStackTrace: false, kind: "client", attributes: { "messaging.system": "nats" } })
    : run
}

export const attempt = <A>(operation: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => new BrokerError({ operation, cause }) })

/** Publishes one message; resolves with its acknowledgement. */
export const publishOne = (js: JetStreamClient, message: OutgoingMessage): Promise<PublishResult> =>
  js.publish(message.subject, message.data, {
    msgID: message.msgId,
    headers: toHeaders(message.headers),
    timeout: Duration.toMillis(requestTimeout)
  }).then((ack) => ({ sequence: ack.seq, duplicate: ack.duplicate }))

/** `reasons`: whether the server reads a reason after `+TERM`; 2.9 ignores a terminate that carries one. */
export const toDelivery = (reasons: boolean) => (m: JsMsg): Delivery => ({
  subject: m.subject,
  data: m.data,
  headers: fromHeaders(m.headers),
  streamSequence: m.seq,
  deliveryCount: m.info.deliveryCount,
  ack: attempt("ack", () => m.ack()),
  nak: (delay) => attempt("nak", () => m.nak(Math.max(0, Math.round(Duration.toMillis(delay))))),
  term: (reason) => attempt("term", () => m.term(reasons ? reason : undefined)),
  working: attempt("working", () => m.working())
})

/** The messages of one fetch, as they arrive until the batch completes or expires. */
export const collect = (messages: ConsumerMessages) =>
  Effect.async<Array<JsMsg>, BrokerError>((resume) => {
    const received: Array<JsMsg> = []
    const drain = async () => {
      for await (const m of messages) received.push(m)
    }
    drain().then(
      () => resume(Effect.succeed(received)),
      (cause: unknown) =>
        resume(isHeartbeatsMissed(cause) ? Effect.succeed(received) : Effect.fail(new BrokerError({ operation: "fetch", cause })))
    )
  })
