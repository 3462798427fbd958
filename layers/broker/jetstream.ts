import {
  AckPolicy,
  type Consumer,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiError,
  JetStreamError,
  jetstream,
  jetstreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
  type StoredMsg
} from "@nats-io/jetstream"
import { connect, headers as natsHeaders, type MsgHdrs, type QueuedIterator, type Status } from "@nats-io/transport-node"
import { Duration, Effect, Layer, Option, Schema, Stream } from "effect"
import {
  Broker,
  BrokerError,
  type ConsumerSpec,
  type ConsumerState,
  type Delivery,
  type StoredMessage,
  type StreamSpec
} from "../../src/services/Broker.ts"

/** One JetStream API request (and a double ack) fails after this long. */
const requestTimeout = Duration.seconds(5)
/** Bound on one broker operation, which may make a few requests (add, then info and update). */
const operationTimeout = Duration.seconds(15)
/** How far past its `expires` a fetch may run before it is abandoned (a dead server sends no end of batch). */
const fetchGrace = Duration.seconds(5)
const pingTimeout = Duration.seconds(2)

/** API error codes meaning the stream, consumer or message is not there. */
const notFoundCodes = new Set([10014, 10059, 10037, 10043])
/** API error codes meaning a consumer of that name exists with another configuration (servers from 2.10 on). */
const consumerExistsCodes = new Set([10013, 10105, 10148])
const streamNameInUse = 10058

const apiCode = (cause: unknown) => (cause instanceof JetStreamApiError ? cause.code : undefined)

const isNotFound = (cause: unknown) =>
  notFoundCodes.has(apiCode(cause) ?? 0) ||
  (apiCode(cause) === 10057 && /no message found|not found|EOF/i.test((cause as Error).message))

/** A promise rejection handler answering `value` when the thing asked for does not exist. */
const orWhenMissing = <A>(value: A) => (cause: unknown): Promise<A> =>
  isNotFound(cause) ? Promise.resolve(value) : Promise.reject(cause)

const timedOut = (operation: string, after: Duration.Duration) => () =>
  new BrokerError({ operation, cause: new Error(`no answer within ${Duration.format(after)}`) })

const call = <A>(operation: string, f: () => Promise<A>, timeout: Duration.Duration = operationTimeout) =>
  Effect.tryPromise({ try: f, catch: (cause) => new BrokerError({ operation, cause }) }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: timedOut(operation, timeout) }),
    Effect.withSpan(`broker ${operation}`, { kind: "client", attributes: { "messaging.system": "nats" } })
  )

const attempt = <A>(operation: string, f: () => A) =>
  Effect.try({ try: f, catch: (cause) => new BrokerError({ operation, cause }) })

const nanos = (duration: Duration.Duration) => Math.round(Duration.toMillis(duration) * 1_000_000)

const fromHeaders = (headers: MsgHdrs | undefined): Record<string, string> => {
  const record: Record<string, string> = {}
  for (const key of headers?.keys() ?? []) record[key] = headers?.get(key) ?? ""
  return record
}

const toHeaders = (record: Readonly<Record<string, string>> | undefined) => {
  const headers = natsHeaders()
  for (const [key, value] of Object.entries(record ?? {})) headers.set(key, value)
  return headers
}

const toStored = (m: StoredMsg): StoredMessage => ({
  subject: m.subject,
  data: m.data,
  headers: fromHeaders(m.header),
  sequence: m.seq,
  time: m.time
})

const toState = (info: ConsumerInfo): ConsumerState => ({
  name: info.name,
  pending: info.num_pending,
  ackPending: info.num_ack_pending,
  redelivered: info.num_redelivered
})

/** Servers before 2.10 ignore a `+TERM` that carries a reason, so the message would come back. */
const readsTermReason = (version: string | undefined) => {
  const [major = 0, minor = 0] = (version ?? "").split(".").map(Number)
  return major > 2 || (major === 2 && minor >= 10)
}

/** `reasons`: whether the server reads a reason after `+TERM`; 2.9 ignores a terminate that carries one. */
const toDelivery = (reasons: boolean) => (m: JsMsg): Delivery => ({
  subject: m.subject,
  data: m.data,
  headers: fromHeaders(m.headers),
  streamSequence: m.seq,
  deliveryCount: m.info.deliveryCount,
  ack: call("ack", () => m.ackAck({ timeout: Duration.toMillis(requestTimeout) }), requestTimeout).pipe(Effect.asVoid),
  nak: (delay) => attempt("nak", () => m.nak(Math.max(0, Math.round(Duration.toMillis(delay))))),
  term: (reason) => attempt("term", () => m.term(reasons ? reason : undefined)),
  working: attempt("working", () => m.working())
})

/** The end of a short fetch can race the client's idle-heartbeat check; that is an empty end of batch, not a failure. */
const isHeartbeatsMissed = (cause: unknown) => cause instanceof JetStreamError && cause.message === "heartbeats missed"

/** The messages of one fetch, as they arrive until the batch completes or expires. */
const collect = (messages: ConsumerMessages) =>
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

const MaxDeliveriesAdvisory = Schema.parseJson(Schema.Struct({
  stream: Schema.String,
  consumer: Schema.String,
  stream_seq: Schema.Number
}))

const streamUpdate = (spec: StreamSpec) => ({
  subjects: [...spec.subjects],
  duplicate_window: nanos(spec.duplicateWindow),
  max_age: Option.match(spec.maxAge, { onNone: () => 0, onSome: nanos })
})

const consumerUpdate = (spec: ConsumerSpec) => ({
  filter_subject: spec.filterSubject,
  ack_wait: nanos(spec.ackWait),
  max_deliver: spec.maxDeliver
})

export interface JetStreamOptions {
  /** Comma-separated server URLs, such as `nats://127.0.0.1:4222`. */
  readonly servers: string
  /** The connection name the server shows. */
  readonly name: string
}

/**
 * The broker on NATS JetStream (server 2.9 or later): file-stored streams, durable pull consumers with explicit acks.
 * The connection reconnects forever, so the service outlives a NATS restart; every call is bounded in time.
 */
export const layer = (options: JetStreamOptions): Layer.Layer<Broker, BrokerError> =>
  Layer.scoped(
    Broker,
    Effect.gen(function*() {
      const nc = yield* Effect.acquireRelease(
        call("connect", () =>
          connect({
            servers: options.servers.split(","),
            name: options.name,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
            timeout: Duration.toMillis(requestTimeout),
            pingInterval: 10_000
          })),
        (nc) =>
          Effect.tryPromise(() => nc.drain()).pipe(
            Effect.timeout(requestTimeout),
            Effect.ignore,
            Effect.ensuring(Effect.tryPromise(() => nc.close()).pipe(Effect.ignore))
          )
      )
      const jsm = yield* call("connect", () => jetstreamManager(nc, { timeout: Duration.toMillis(requestTimeout) }))
      const js = jetstream(nc, { timeout: Duration.toMillis(requestTimeout) })
      const consumers = new Map<string, Consumer>()

      yield* Stream.async<Status>((emit) => {
        const statuses = nc.status() as QueuedIterator<Status>
        void (async () => {
          for await (const status of statuses) void emit.single(status)
        })()
        return Effect.sync(() => statuses.stop())
      }).pipe(
        Stream.runForEach((status) =>
          status.type === "disconnect" || status.type === "reconnect"
            ? Effect.logWarning(`NATS ${status.type}`, options.servers)
            : Effect.void
        ),
        Effect.forkScoped
      )

      const consumerFor = (stream: string, name: string) =>
        Effect.suspend(() => {
          const cached = consumers.get(`${stream}.${name}`)
          return cached !== undefined
            ? Effect.succeed(cached)
            : call("fetch", () => js.consumers.get(stream, name)).pipe(
              Effect.tap((consumer) => Effect.sync(() => consumers.set(`${stream}.${name}`, consumer)))
            )
        })

      const fetch = (stream: string, name: string, fetchOptions: { readonly max: number; readonly expires: Duration.Duration }) => {
        const expires = Math.max(1000, Math.round(Duration.toMillis(fetchOptions.expires)))
        const bound = Duration.sum(Duration.millis(expires), fetchGrace)
        return fetchOptions.max < 1 ? Effect.succeed([]) : consumerFor(stream, name).pipe(
          Effect.flatMap((consumer) =>
            Effect.acquireUseRelease(
              call("fetch", () => consumer.fetch({ max_messages: fetchOptions.max, expires })),
              (messages) => collect(messages).pipe(Effect.timeoutFail({ duration: bound, onTimeout: timedOut("fetch", bound) })),
              (messages) => Effect.sync(() => messages.stop())
            )
          ),
          Effect.tapError(() => Effect.sync(() => consumers.delete(`${stream}.${name}`))),
          Effect.map((messages) => messages.map(toDelivery(readsTermReason(nc.info?.version)))),
          Effect.withSpan("broker fetch", { kind: "consumer", attributes: { "messaging.system": "nats", stream, consumer: name } })
        )
      }

      return Broker.of({
        durable: true,
        ensureStream: (spec) =>
          call("ensureStream", async () => {
            const retention = spec.retention === "workqueue" ? RetentionPolicy.Workqueue : RetentionPolicy.Limits
            const config = { name: spec.name, retention, storage: StorageType.File, num_replicas: 1, ...streamUpdate(spec) }
            const info = await jsm.streams.add(config).catch((cause: unknown) =>
              apiCode(cause) === streamNameInUse ? jsm.streams.update(spec.name, streamUpdate(spec)) : Promise.reject(cause)
            )
            if (info.config.retention !== retention) {
              throw new Error(`stream ${spec.name} has retention ${info.config.retention}, which cannot change to ${retention}`)
            }
          }),
        ensureConsumer: (spec) =>
          call("ensureConsumer", () =>
            jsm.consumers.add(spec.stream, {
              durable_name: spec.name,
              ack_policy: AckPolicy.Explicit,
              deliver_policy: DeliverPolicy.All,
              ...consumerUpdate(spec)
            }).catch((cause: unknown) =>
              consumerExistsCodes.has(apiCode(cause) ?? 0)
                ? jsm.consumers.update(spec.stream, spec.name, consumerUpdate(spec))
                : Promise.reject(cause)
            )).pipe(Effect.zipRight(Effect.sync(() => consumers.delete(`${spec.stream}.${spec.name}`)))),
        deleteConsumer: (stream, name) =>
          call("deleteConsumer", () => jsm.consumers.delete(stream, name).catch(orWhenMissing(false))).pipe(
            Effect.zipRight(Effect.sync(() => consumers.delete(`${stream}.${name}`)))
          ),
        publish: (subject, data, publishOptions) =>
          call("publish", () =>
            js.publish(subject, data, {
              msgID: publishOptions.msgId,
              headers: toHeaders(publishOptions.headers),
              timeout: Duration.toMillis(requestTimeout)
            })).pipe(Effect.map((ack) => ({ sequence: ack.seq, duplicate: ack.duplicate }))),
        fetch,
        consumerState: (stream, name) =>
          call("consumerState", () => jsm.consumers.info(stream, name).catch(orWhenMissing(null))).pipe(
            Effect.map((info) => Option.map(Option.fromNullable(info), toState))
          ),
        consumers: (stream) =>
          call("consumers", async () => {
            const infos: Array<ConsumerInfo> = []
            for await (const info of jsm.consumers.list(stream)) infos.push(info)
            return infos.map(toState)
          }).pipe(Effect.catchIf((e) => isNotFound(e.cause), () => Effect.succeed([]))),
        streamState: (name) =>
          call("streamState", () => jsm.streams.info(name).catch(orWhenMissing(null))).pipe(
            Effect.map((info) =>
              Option.map(Option.fromNullable(info), ({ config, state }) => ({
                name,
                subjects: config.subjects ?? [],
                messages: state.messages,
                bytes: state.bytes,
                firstSequence: state.first_seq,
                lastSequence: state.last_seq,
                consumers: state.consumer_count
              }))
            )
          ),
        getMessage: (stream, sequence) =>
          call("getMessage", () => jsm.streams.getMessage(stream, { seq: sequence }).catch(orWhenMissing(null))).pipe(
            Effect.map((m) => Option.map(Option.fromNullable(m), toStored))
          ),
        deleteMessage: (stream, sequence) =>
          call("deleteMessage", () => jsm.streams.deleteMessage(stream, sequence, false).catch(orWhenMissing(false))),
        listMessages: (stream, listOptions) =>
          call("listMessages", async () => {
            const info = await jsm.streams.info(stream).catch(orWhenMissing(null))
            const messages: Array<StoredMessage> = []
            const first = Math.max(1, listOptions.fromSequence, info?.state.first_seq ?? 0)
            for (let seq = first; seq <= (info?.state.last_seq ?? 0) && messages.length < listOptions.limit; seq++) {
              const m = await jsm.streams.getMessage(stream, { seq }).catch(orWhenMissing(null))
              if (m !== null) messages.push(toStored(m))
            }
            return messages
          }),
        maxDeliveries: (streams) =>
          Stream.asyncScoped<string, BrokerError>((emit) =>
            Effect.acquireRelease(
              attempt("maxDeliveries", () =>
                streams.map((stream) =>
                  nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`, {
                    callback: (err, msg) =>
                      void (err === null ? emit.single(msg.string()) : emit.fail(new BrokerError({ operation: "maxDeliveries", cause: err })))
                  })
                )),
              (subscriptions) => Effect.sync(() => subscriptions.forEach((s) => s.unsubscribe()))
            )
          ).pipe(
            Stream.mapEffect((text) =>
              Schema.decodeUnknown(MaxDeliveriesAdvisory)(text).pipe(
                Effect.map((a) => Option.some({ stream: a.stream, consumer: a.consumer, streamSequence: a.stream_seq })),
                Effect.catchAll((error) => Effect.logWarning("undecodable max-deliveries advisory", error).pipe(Effect.as(Option.none())))
              )
            ),
            Stream.filterMap((event) => event)
          ),
        ping: Effect.suspend(() => call("ping", () => nc.rtt(), pingTimeout)).pipe(Effect.asVoid)
      })
    })
  )
