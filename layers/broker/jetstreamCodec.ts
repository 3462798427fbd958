import { type ConsumerInfo, JetStreamApiError, JetStreamError, type StoredMsg } from "@nats-io/jetstream"
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node"
import { Duration, Option, Schema } from "effect"
import type { ConsumerSpec, ConsumerState, StoredMessage, StreamSpec } from "../../src/services/Broker.ts"

/** API error codes meaning the stream, consumer or message is not there. */
const notFoundCodes = new Set([10014, 10059, 10037, 10043])
/** API error codes meaning a consumer of that name exists with another configuration (servers from 2.10 on). */
export const consumerExistsCodes = new Set([10013, 10105, 10148])
export const streamNameInUse = 10058

export const apiCode = (cause: unknown) => (cause instanceof JetStreamApiError ? cause.code : undefined)

export const isNotFound = (cause: unknown) =>
  notFoundCodes.has(apiCode(cause) ?? 0) ||
  (apiCode(cause) === 10057 && /no message found|not found|EOF/i.test((cause as Error).message))

/** A promise rejection handler answering `value` when the thing asked for does not exist. */
export const orWhenMissing = <A>(value: A) => (cause: unknown): Promise<A> =>
  isNotFound(cause) ? Promise.resolve(value) : Promise.reject(cause)

export const nanos = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration) * 1_000_000)

export const fromHeaders = (headers: MsgHdrs | undefined): Record<string, string> => {
  const record: Record<string, string> = {}
  for (const key of headers?.keys() ?? []) record[key] = headers?.get(key) ?? ""
  return record
}

export const toHeaders = (record: Readonly<Record<string, string>> | undefined) => {
  const headers = natsHeaders()
  for (const [key, value] of Object.entries(record ?? {})) headers.set(key, value)
  return headers
}

export const toStored = (m: StoredMsg): StoredMessage => ({
  subject: m.subject,
  data: m.data,
  headers: fromHeaders(m.header),
  sequence: m.seq,
  time: m.time
})

export const toState = (info: ConsumerInfo): ConsumerState => ({
  name: info.name,
  pending: info.num_pending,
  ackPending: info.num_ack_pending,
  redelivered: info.num_redelivered
})

/** Servers before 2.10 ignore a `+TERM` that carries a reason, so the message would come back. */
export const readsTermReason = (version: string | undefined) => {
  const [major = 0, minor = 0] = (version ?? "").split(".").map(Number)
  return major > 2 || (major === 2 && minor >= 10)
}

/** The end of a short fetch can race the client's idle-heartbeat check; that is an empty end of batch, not a failure. */
export const isHeartbeatsMissed = (cause: unknown) => cause instanceof JetStreamError && cause.message === "heartbeats missed"

export const MaxDeliveriesAdvisory = Schema.parseJson(Schema.Struct({
  stream: Schema.String,
  consumer: Schema.String,
  stream_seq: Schema.Number
}))

/** What a spec sets of a stream's configuration, on creation and on update (a cluster changes the replicas in place). */
export const streamUpdate = (spec: StreamSpec) => ({
  subjects: [...spec.subjects],
  duplicate_window: nanos(spec.duplicateWindow),
  max_age: Option.match(spec.maxAge, { onNone: () => 0, onSome: nanos }),
  num_replicas: spec.replicas
})

export const consumerUpdate = (spec: ConsumerSpec) => ({
  filter_subject: spec.filterSubject,
  ack_wait: nanos(spec.ackWait),
  max_deliver: spec.maxDeliver,
  ...(spec.maxAckPending === undefined ? {} : { max_ack_pending: spec.maxAckPending })
})
