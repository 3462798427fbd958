import { Context, Data, type Duration, type Effect, type Either, type Option, type Stream } from "effect"

/** The broker failed or could not be reached. */
export class BrokerError extends Data.TaggedError("BrokerError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `broker operation ${this.operation} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** A stream: an ordered, persisted log of messages on a set of subjects. */
export interface StreamSpec {
  readonly name: string
  readonly subjects: ReadonlyArray<string>
  /** `workqueue`: a message is removed once acknowledged (or terminated); `limits`: kept until deleted or too old. */
  readonly retention: "workqueue" | "limits"
  /** How long a message id is remembered to drop a duplicate publish. */
  readonly duplicateWindow: Duration.Duration
  /** Messages older than this are dropped; none: kept forever. */
  readonly maxAge: Option.Option<Duration.Duration>
  /**
   * Copies kept on separate servers of a JetStream cluster (1 to 5); an existing stream is changed to this many. The
   * in-process broker keeps one copy whatever it says.
   */
  readonly replicas: number
}

/** A durable pull consumer on one subject filter of a stream. */
export interface ConsumerSpec {
  readonly stream: string
  readonly name: string
  readonly filterSubject: string
  /** Unacknowledged messages are redelivered after this long. */
  readonly ackWait: Duration.Duration
  /** After this many deliveries a message is no longer delivered and `maxDeliveries` reports it; -1: no limit. */
  readonly maxDeliver: number
  /** Messages handed out and not yet settled, at most; none: the server's default. */
  readonly maxAckPending?: number
}

/** A message delivered to a consumer, with the means to settle it. */
export interface Delivery {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: Readonly<Record<string, string>>
  readonly streamSequence: number
  /** 1 on the first delivery. */
  readonly deliveryCount: number
  /**
   * Acknowledges, without waiting for the server to confirm it: an acknowledgement lost on the way only brings the
   * message back after its ack wait, which every consumer handles as it does any redelivery.
   */
  readonly ack: Effect.Effect<void, BrokerError>
  /** Asks for redelivery after `delay`. */
  readonly nak: (delay: Duration.Duration) => Effect.Effect<void, BrokerError>
  /** Gives up on the message: it is never delivered again. Servers before nats-server 2.10 do not record the reason. */
  readonly term: (reason: string) => Effect.Effect<void, BrokerError>
  /** Tells the server the message is still being worked on, restarting its ack wait. */
  readonly working: Effect.Effect<void, BrokerError>
}

/** A message header by name, whatever its case. */
export const headerOf = (message: { readonly headers: Readonly<Record<string, string>> }, name: string): string | undefined => {
  const key = Object.keys(message.headers).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : message.headers[key]
}

/** A message as stored in a stream. */
export interface StoredMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers: Readonly<Record<string, string>>
  readonly sequence: number
  readonly time: Date
}

/** A message to publish: `msgId` makes the publish idempotent inside the stream's duplicate window. */
export interface OutgoingMessage {
  readonly subject: string
  readonly data: Uint8Array
  readonly msgId: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface PublishResult {
  readonly sequence: number
  /** True when the message id was seen inside the duplicate window: nothing new was stored. */
  readonly duplicate: boolean
}

export interface ConsumerState {
  readonly name: string
  /** Messages not yet delivered. */
  readonly pending: number
  /** Messages delivered and not yet acknowledged (including those waiting for a delayed redelivery). */
  readonly ackPending: number
  /** Messages delivered more than once and not yet acknowledged. */
  readonly redelivered: number
}

export interface StreamState {
  readonly name: string
  readonly subjects: ReadonlyArray<string>
  readonly messages: number
  readonly bytes: number
  readonly firstSequence: number
  readonly lastSequence: number
  readonly consumers: number
}

/** The server stopped delivering a message after `maxDeliver` deliveries; the message is still in its stream. */
export interface MaxDeliveriesReached {
  readonly stream: string
  readonly consumer: string
  readonly streamSequence: number
}

/**
 * A message broker with persistent streams and durable pull consumers (NATS JetStream, or in process). Publishing with
 * a message id is idempotent inside the stream's duplicate window.
 */
export class Broker extends Context.Tag("Broker")<Broker, {
  /** True when stored messages outlive this process (JetStream); false for the in-process broker. */
  readonly durable: boolean
  /** Creates the stream, or updates it to this spec; safe to call from several processes at once. */
  readonly ensureStream: (spec: StreamSpec) => Effect.Effect<void, BrokerError>
  /** Creates the consumer, or updates it to this spec; safe to call from several processes at once. */
  readonly ensureConsumer: (spec: ConsumerSpec) => Effect.Effect<void, BrokerError>
  readonly deleteConsumer: (stream: string, name: string) => Effect.Effect<void, BrokerError>
  readonly publish: (
    subject: string,
    data: Uint8Array,
    options: { readonly msgId: string; readonly headers?: Readonly<Record<string, string>> }
  ) => Effect.Effect<PublishResult, BrokerError>
  /**
   * Publishes every message at once (pipelined, the acknowledgements awaited together) and answers each one's
   * outcome, in order: one failing fails only itself.
   */
  readonly publishAll: (
    messages: ReadonlyArray<OutgoingMessage>
  ) => Effect.Effect<ReadonlyArray<Either.Either<PublishResult, BrokerError>>>
  /**
   * Up to `max` messages for the consumer, waiting at most `expires`; empty when none came. JetStream may hold a batch
   * until `max` messages arrived or `expires` ran out, so a caller that wants each message at once fetches one at a time.
   * Interrupting it abandons the wait.
   */
  readonly fetch: (
    stream: string,
    consumer: string,
    options: { readonly max: number; readonly expires: Duration.Duration }
  ) => Effect.Effect<ReadonlyArray<Delivery>, BrokerError>
  /**
   * The consumer's messages as they arrive, for as long as the stream is run, with at most `max` of them fetched ahead
   * and not yet taken. Ending the stream stops the pulls.
   */
  readonly consume: (stream: string, consumer: string, options: { readonly max: number }) => Stream.Stream<Delivery, BrokerError>
  /** How many messages the stream stores on each subject matching `filter` (subjects with none are left out). */
  readonly subjectCounts: (stream: string, filter: string) => Effect.Effect<ReadonlyMap<string, number>, BrokerError>
  readonly consumerState: (stream: string, consumer: string) => Effect.Effect<Option.Option<ConsumerState>, BrokerError>
  readonly consumers: (stream: string) => Effect.Effect<ReadonlyArray<ConsumerState>, BrokerError>
  readonly streamState: (stream: string) => Effect.Effect<Option.Option<StreamState>, BrokerError>
  readonly getMessage: (stream: string, sequence: number) => Effect.Effect<Option.Option<StoredMessage>, BrokerError>
  /** Removes a message; false when there was none at that sequence. */
  readonly deleteMessage: (stream: string, sequence: number) => Effect.Effect<boolean, BrokerError>
  /** Stored messages from `fromSequence` on, in order, at most `limit`. */
  readonly listMessages: (
    stream: string,
    options: { readonly fromSequence: number; readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<StoredMessage>, BrokerError>
  /** Every message that reaches its consumer's `maxDeliver` from now on, on the given streams. */
  readonly maxDeliveries: (streams: ReadonlyArray<string>) => Stream.Stream<MaxDeliveriesReached, BrokerError>
  /** Answers when the broker is reachable. */
  readonly ping: Effect.Effect<void, BrokerError>
}>() {}
