import {
  AckPolicy,
  type Consumer,
  type ConsumerInfo,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType
} from "@nats-io/jetstream"
import { connect, type NatsConnection, type QueuedIterator, type Status } from "@nats-io/transport-node"
import { Deferred, Duration, Effect, Either, Layer, Option, Schema, Stream } from "effect"
import { brokerRetry } from "../../src/Schedules.ts"
import { natsAuthOf, serversWithoutCredentials } from "../../src/domain/urlCredentials.ts"
import { Broker, BrokerError, type Delivery, type StoredMessage } from "../../src/services/Broker.ts"
import {
  apiCode,
  consumerExistsCodes,
  consumerUpdate,
  isNotFound,
  MaxDeliveriesAdvisory,
  orWhenMissing,
  readsTermReason,
  streamNameInUse,
  streamUpdate,
  toState,
  toStored
} from "./jetstreamCodec.ts"
import {
  attempt,
  collect,
  fetchGrace,
  operationTimeout,
  pingTimeout,
  publishOne,
  request,
  requestTimeout,
  timedOut,
  toDelivery
} from "./jetstreamCalls.ts"

/**
 * How long one pull of `consume` stays open. In a cluster, a pull held by a node that died is noticed only when the pull
 * expires or two idle heartbeats (half of this each) are missed: with nats.js's default of 30 s, a partition whose
 * consumer the dead node led got nothing for up to a minute; with 5 s, a few seconds.
 */
const PULL_EXPIRES_MS = 5_000

export interface JetStreamOptions {
  /** Comma-separated server URLs (`nats://n1:4222,nats://n2:4222`): the client connects to one, failing over to the others. */
  readonly servers: string
  /** The connection name the server shows. */
  readonly name: string
  /** A span for every request to the server and every fetch (`OTEL_DETAILED_SPANS`). */
  readonly detailedSpans?: boolean
}

interface Connection {
  readonly nc: NatsConnection
  readonly jsm: JetStreamManager
  readonly js: JetStreamClient
}

/** A connection that reconnects forever once made, so the service outlives a NATS restart. */
const open = (options: JetStreamOptions) =>
  Effect.gen(function*() {
    const nc = yield* request("connect", () =>
      connect({
        servers: serversWithoutCredentials(options.servers).split(",").filter((server) => server !== ""),
        ...natsAuthOf(options.servers),
        name: options.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: Duration.toMillis(requestTimeout),
        pingInterval: 10_000,
        // No stack captured ahead of every request (publishes and API calls): our own errors name the operation.
        noAsyncTraces: true
      }))
    const jsm = yield* request("connect", () => jetstreamManager(nc, { timeout: Duration.toMillis(requestTimeout) })).pipe(
      Effect.tapError(() => Effect.promise(() => nc.close()))
    )
    return { nc, jsm, js: jetstream(nc, { timeout: Duration.toMillis(requestTimeout) }) }
  })

const close = ({ nc }: Connection) =>
  Effect.tryPromise(() => nc.drain()).pipe(
    Effect.timeout(requestTimeout),
    Effect.ignore,
    Effect.ensuring(Effect.tryPromise(() => nc.close()).pipe(Effect.ignore))
  )

/** Logs each disconnect and reconnect, naming the server, for as long as the connection lasts. */
const logStatus = (nc: NatsConnection, servers: string) =>
  Stream.async<Status>((emit) => {
    const statuses = nc.status() as QueuedIterator<Status>
    void (async () => {
      for await (const status of statuses) void emit.single(status)
    })()
    return Effect.sync(() => statuses.stop())
  }).pipe(
    Stream.runForEach((status) =>
      status.type === "disconnect" || status.type === "reconnect"
        ? Effect.logWarning(`NATS ${status.type}`, servers).pipe(Effect.annotateLogs("server", status.server))
        : Effect.void
    )
  )

/**
 * The broker on NATS JetStream (server 2.9 or later): file-stored streams, durable pull consumers with explicit acks.
 * It connects in the background, trying again until the server answers: start-up waits a few seconds for it, then goes
 * on without it (reporting the broker down on `/health/ready`), and every operation fails at once until it is
 * connected. Every call is bounded in time.
 */
export const layer = (options: JetStreamOptions): Layer.Layer<Broker> =>
  Layer.scoped(
    Broker,
    Effect.gen(function*() {
      // The servers as logs and errors show them: a user and password in `NATS_URL` stay out.
      const shownServers = serversWithoutCredentials(options.servers)
      const ready = yield* Deferred.make<Connection>()
      yield* Effect.acquireRelease(open(options), close).pipe(
        Effect.tapError((error) =>
          Effect.logWarning("NATS not reachable yet; retrying").pipe(Effect.annotateLogs("error", error.message))
        ),
        Effect.retry(brokerRetry),
        Effect.tap((connection) => Deferred.succeed(ready, connection)),
        Effect.flatMap((connection) => logStatus(connection.nc, shownServers)),
        Effect.forkScoped
      )
      yield* Deferred.await(ready).pipe(Effect.timeout(requestTimeout), Effect.ignore)
      const traced = options.detailedSpans ?? false
      const connected = (operation: string) =>
        Effect.flatMap(Deferred.poll(ready), (connection) =>
          Option.isSome(connection)
            ? connection.value
            : Effect.fail(new BrokerError({ operation, cause: new Error(`not connected to NATS at ${shownServers} yet`) })))
      const call = <A>(operation: string, f: (connection: Connection) => Promise<A>, timeout = operationTimeout) =>
        Effect.flatMap(connected(operation), (connection) => request(operation, () => f(connection), { timeout, traced }))

      const consumers = new Map<string, Consumer>()
      const consumerFor = (stream: string, name: string) =>
        Effect.suspend(() => {
          const cached = consumers.get(`${stream}.${name}`)
          return cached !== undefined
            ? Effect.succeed(cached)
            : call("fetch", ({ js }) => js.consumers.get(stream, name)).pipe(
              Effect.tap((consumer) => Effect.sync(() => consumers.set(`${stream}.${name}`, consumer)))
            )
        })

      const fetch = (stream: string, name: string, fetchOptions: { readonly max: number; readonly expires: Duration.Duration }) => {
        const expires = Math.max(1000, Math.round(Duration.toMillis(fetchOptions.expires)))
        const bound = Duration.sum(Duration.millis(expires), fetchGrace)
        return fetchOptions.max < 1 ? Effect.succeed([]) : Effect.all([connected("fetch"), consumerFor(stream, name)]).pipe(
          Effect.flatMap(([{ nc }, consumer]) =>
            Effect.acquireUseRelease(
              request("fetch", () => consumer.fetch({ max_messages: fetchOptions.max, expires }), { traced }),
              (messages) => collect(messages).pipe(Effect.timeoutFail({ duration: bound, onTimeout: timedOut("fetch", bound) })),
              (messages) => Effect.sync(() => messages.stop())
            ).pipe(Effect.map((messages) => messages.map(toDelivery(readsTermReason(nc.info?.version)))))
          ),
          Effect.tapError(() => Effect.sync(() => consumers.delete(`${stream}.${name}`))),
          (self) =>
            traced
              ? Effect.withSpan(self, "broker fetch", { kind: "consumer", attributes: { "messaging.system": "nats", stream, consumer: name } })
              : self
        )
      }

      /**
       * `consume` keeps pulls open on the server (each for `PULL_EXPIRES_MS`, then renewed) and pulls again as
       * messages are taken, so a message is handed on as soon as it arrives (a `fetch` of many waits for all of them or
       * its expiry). Messages come through a callback:
       * an async iterator cannot be ended while it waits, so interrupting the stream would hang until the next message.
       * They are pushed into the stream's buffer as they come, and taken from it as chunks of all that waits (a stream
       * that ran an effect to hand on each message cost a fiber a message).
       */
      const consume = (stream: string, name: string, consumeOptions: { readonly max: number }) =>
        Stream.asyncPush<Delivery, BrokerError>((emit) =>
          Effect.gen(function*() {
            const [{ nc }, consumer] = yield* Effect.all([connected("consume"), consumerFor(stream, name)])
            const delivery = toDelivery(readsTermReason(nc.info?.version))
            const messages = yield* Effect.acquireRelease(
              request("consume", () =>
                consumer.consume({
                  max_messages: consumeOptions.max,
                  expires: PULL_EXPIRES_MS,
                  abort_on_missing_resource: true,
                  callback: (m) => void emit.single(delivery(m))
                })),
              (messages) => Effect.sync(() => messages.stop())
            )
            void messages.closed().then(
              (cause) => void (cause ? emit.fail(new BrokerError({ operation: "consume", cause })) : emit.end()),
              (cause: unknown) => void emit.fail(new BrokerError({ operation: "consume", cause }))
            )
          }).pipe(
            Effect.tapError(() => Effect.sync(() => consumers.delete(`${stream}.${name}`))),
            Effect.catchAll((error) => Effect.sync(() => emit.fail(error)))
          ), { bufferSize: "unbounded" })

      return Broker.of({
        durable: true,
        ensureStream: (spec) =>
          call("ensureStream", async ({ jsm }) => {
            const retention = spec.retention === "workqueue" ? RetentionPolicy.Workqueue : RetentionPolicy.Limits
            const config = { name: spec.name, retention, storage: StorageType.File, ...streamUpdate(spec) }
            const info = await jsm.streams.add(config).catch((cause: unknown) =>
              apiCode(cause) === streamNameInUse ? jsm.streams.update(spec.name, streamUpdate(spec)) : Promise.reject(cause)
            )
            if (info.config.retention !== retention) {
              throw new Error(`stream ${spec.name} has retention ${info.config.retention}, which cannot change to ${retention}`)
            }
          }),
        ensureConsumer: (spec) =>
          call("ensureConsumer", ({ jsm }) =>
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
          call("deleteConsumer", ({ jsm }) => jsm.consumers.delete(stream, name).catch(orWhenMissing(false))).pipe(
            Effect.zipRight(Effect.sync(() => consumers.delete(`${stream}.${name}`)))
          ),
        publish: (subject, data, publishOptions) =>
          call("publish", ({ js }) => publishOne(js, { subject, data, ...publishOptions })),
        publishAll: (messages) =>
          messages.length === 0 ? Effect.succeed([]) : call("publish", ({ js }) =>
            Promise.all(messages.map((message) =>
              publishOne(js, message).then(
                (result) => Either.right(result),
                (cause: unknown) => Either.left(new BrokerError({ operation: "publish", cause }))
              )
            ))).pipe(Effect.catchAll((error) => Effect.succeed(messages.map(() => Either.left(error))))),
        fetch,
        consume,
        subjectCounts: (stream, filter) =>
          call("subjectCounts", ({ jsm }) => jsm.streams.info(stream, { subjects_filter: filter }).catch(orWhenMissing(null))).pipe(
            Effect.map((info) => new Map(Object.entries(info?.state.subjects ?? {})))
          ),
        consumerState: (stream, name) =>
          call("consumerState", ({ jsm }) => jsm.consumers.info(stream, name).catch(orWhenMissing(null))).pipe(
            Effect.map((info) => Option.map(Option.fromNullable(info), toState))
          ),
        consumers: (stream) =>
          call("consumers", async ({ jsm }) => {
            const infos: Array<ConsumerInfo> = []
            for await (const info of jsm.consumers.list(stream)) infos.push(info)
            return infos.map(toState)
          }).pipe(Effect.catchIf((e) => isNotFound(e.cause), () => Effect.succeed([]))),
        streamState: (name) =>
          call("streamState", ({ jsm }) => jsm.streams.info(name).catch(orWhenMissing(null))).pipe(
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
          call("getMessage", ({ jsm }) => jsm.streams.getMessage(stream, { seq: sequence }).catch(orWhenMissing(null))).pipe(
            Effect.map((m) => Option.map(Option.fromNullable(m), toStored))
          ),
        deleteMessage: (stream, sequence) =>
          call("deleteMessage", ({ jsm }) => jsm.streams.deleteMessage(stream, sequence, false).catch(orWhenMissing(false))),
        listMessages: (stream, listOptions) =>
          call("listMessages", async ({ jsm }) => {
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
              Effect.flatMap(connected("maxDeliveries"), ({ nc }) =>
                attempt("maxDeliveries", () =>
                  streams.map((stream) =>
                    nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`, {
                      callback: (err, msg) =>
                        void (err === null
                          ? emit.single(msg.string())
                          : emit.fail(new BrokerError({ operation: "maxDeliveries", cause: err })))
                    })
                  ))),
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
        ping: call("ping", ({ nc }) => nc.rtt(), pingTimeout).pipe(Effect.asVoid)
      })
    })
  )
