import { Duration, Effect, Option } from "effect"
import { BrokerError, type ConsumerSpec, type ConsumerState, type StoredMessage, type StreamSpec } from "../../src/services/Broker.ts"

/** A message delivered to a consumer and not yet settled. */
export interface Pending {
  deliveryCount: number
  /** When the message may be delivered again (ack wait or nak delay run out). */
  deadline: number
  /** Which delivery this is: settling calls from an older delivery of the same message are ignored. */
  delivery: number
  /** Which timer is current: older timers wake up and do nothing. */
  timer: number
}

export interface ConsumerData {
  spec: ConsumerSpec
  /** The next stream sequence never delivered to this consumer. */
  nextSequence: number
  readonly pending: Map<number, Pending>
  readonly redelivered: Set<number>
}

export interface StreamData {
  spec: StreamSpec
  readonly messages: Map<number, StoredMessage>
  lastSequence: number
  readonly ids: Map<string, { readonly sequence: number; readonly at: number }>
  readonly consumers: Map<string, ConsumerData>
}

/** True when some subject matches both NATS subject patterns (`*` one token, `>` one or more trailing tokens). */
export const overlaps = (a: string, b: string): boolean => {
  const x = a.split(".")
  const y = b.split(".")
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]]
    if (p === undefined || q === undefined) return false
    if (p === ">" || q === ">") return true
    if (p !== q && p !== "*" && q !== "*") return false
  }
  return true
}

export const validName = (name: string) => /^[^\s.*>/\\]+$/.test(name)

export const fail = (operation: string, cause: string) => Effect.fail(new BrokerError({ operation, cause }))

export const size = (m: StoredMessage) =>
  m.subject.length + m.data.length + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0)

/** Drops messages older than the stream's max age and message ids older than its duplicate window. */
export const expire = (stream: StreamData, now: number) => {
  const window = Duration.toMillis(stream.spec.duplicateWindow)
  for (const [id, seen] of stream.ids) if (now - seen.at >= window) stream.ids.delete(id)
  if (Option.isNone(stream.spec.maxAge)) return
  const maxAge = Duration.toMillis(stream.spec.maxAge.value)
  for (const [sequence, message] of stream.messages) {
    if (now - message.time.getTime() < maxAge) break
    stream.messages.delete(sequence)
  }
}

export const consumerState = (stream: StreamData, consumer: ConsumerData): ConsumerState => {
  let pending = 0
  for (const [sequence, message] of stream.messages) {
    if (sequence >= consumer.nextSequence && overlaps(consumer.spec.filterSubject, message.subject)) pending++
  }
  return {
    name: consumer.spec.name,
    pending,
    ackPending: [...consumer.pending.keys()].filter((s) => stream.messages.has(s)).length,
    redelivered: consumer.redelivered.size
  }
}
