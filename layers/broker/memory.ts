import { Clock, type Context, Deferred, Duration, Effect, FiberId, Layer, Option, PubSub, Stream } from "effect"
import {
  Broker,
  BrokerError,
  type ConsumerSpec,
  type Delivery,
  type MaxDeliveriesReached,
  type PublishResult,
  type StoredMessage,
  type StreamSpec
} from "../../src/services/Broker.ts"
import { type ConsumerData, consumerState, expire, fail, overlaps, type Pending, size, type StreamData, validName } from "./memoryState.ts"

/** The broker in process, mirroring JetStream's semantics; all timing goes through `Clock`, so `TestClock` drives it. */
const make = Effect.gen(function*() {
  const scope = yield* Effect.scope
  const events = yield* PubSub.unbounded<MaxDeliveriesReached>()
  const streams = new Map<string, StreamData>()
  let changed = Deferred.unsafeMake<void>(FiberId.none)
  let counter = 0

  const notify = () => {
    const previous = changed
    changed = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(previous, Effect.void)
  }

  const withNow = <A>(f: (now: number) => Effect.Effect<A, BrokerError>) => Effect.flatMap(Clock.currentTimeMillis, f)

  /** Reads a stream as of now (expired messages gone), or answers `missing` when there is no such stream. */
  const read = <A>(name: string, missing: A, f: (stream: StreamData) => A) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const stream = streams.get(name)
      if (stream === undefined) return missing
      expire(stream, now)
      return f(stream)
    })

  const lookup = (operation: string, stream: string, consumer: string) =>
    Effect.suspend(() => {
      const s = streams.get(stream)
      const c = s?.consumers.get(consumer)
      return s !== undefined && c !== undefined
        ? Effect.succeed([s, c] as const)
        : fail(operation, `consumer ${consumer} on stream ${stream} not found`)
    })

  /** Removes a due message that reached max deliveries from the pending ones, reporting it; true when it did. */
  const giveUp = (stream: StreamData, consumer: ConsumerData, sequence: number, pending: Pending, reached: Array<MaxDeliveriesReached>) => {
    if (!stream.messages.has(sequence)) {
      consumer.pending.delete(sequence)
      return true
    }
    if (consumer.spec.maxDeliver < 0 || pending.deliveryCount < consumer.spec.maxDeliver) return false
    consumer.pending.delete(sequence)
    if (stream.consumers.get(consumer.spec.name) === consumer) {
      reached.push({ stream: stream.spec.name, consumer: consumer.spec.name, streamSequence: sequence })
    }
    return true
  }

  /** Sets when the message is due again and returns the timer that wakes fetches then (and reports max deliveries). */
  const arm = (stream: StreamData, consumer: ConsumerData, sequence: number, pending: Pending, now: number, delay: number) => {
    const timer = ++counter
    pending.timer = timer
    pending.deadline = now + delay
    return Effect.sleep(delay).pipe(
      Effect.zipRight(Effect.suspend(() => {
        const current = consumer.pending.get(sequence)
        if (current === undefined || current.timer !== timer) return Effect.void
        const reached: Array<MaxDeliveriesReached> = []
        giveUp(stream, consumer, sequence, current, reached)
        notify()
        return PubSub.publishAll(events, reached)
      })),
      Effect.interruptible,
      Effect.forkIn(scope),
      Effect.asVoid
    )
  }

  /**
   * Takes up to `max` deliverable messages, redeliveries first, in one synchronous step so that two fetches never share
   * one; reports those that ran out of deliveries and returns the timers to start.
   */
  const claim = (stream: StreamData, consumer: ConsumerData, max: number, now: number) => {
    expire(stream, now)
    const deliveries: Array<Delivery> = []
    const timers: Array<Effect.Effect<void>> = []
    const reached: Array<MaxDeliveriesReached> = []
    const ackWait = Duration.toMillis(consumer.spec.ackWait)
    const take = (sequence: number, message: StoredMessage, pending: Pending) => {
      pending.delivery = ++counter
      timers.push(arm(stream, consumer, sequence, pending, now, ackWait))
      deliveries.push(toDelivery(stream, consumer, message, pending))
    }
    for (const [sequence, pending] of [...consumer.pending].sort(([a], [b]) => a - b)) {
      const message = stream.messages.get(sequence)
      if (pending.deadline > now || giveUp(stream, consumer, sequence, pending, reached)) continue
      if (message === undefined || deliveries.length >= max) continue
      pending.deliveryCount++
      consumer.redelivered.add(sequence)
      take(sequence, message, pending)
    }
    const ackPendingLimit = consumer.spec.maxAckPending ?? Number.POSITIVE_INFINITY
    while (deliveries.length < max && consumer.pending.size < ackPendingLimit && consumer.nextSequence <= stream.lastSequence) {
      const sequence = consumer.nextSequence++
      const message = stream.messages.get(sequence)
      if (message === undefined || !overlaps(consumer.spec.filterSubject, message.subject)) continue
      const pending = { deliveryCount: 1, deadline: now, delivery: 0, timer: 0 }
      consumer.pending.set(sequence, pending)
      take(sequence, message, pending)
    }
    return { deliveries, timers, reached }
  }

  const settle = (stream: StreamData, consumer: ConsumerData, sequence: number) =>
    Effect.sync(() => {
      if (!consumer.pending.delete(sequence)) return
      consumer.redelivered.delete(sequence)
      if (stream.spec.retention === "workqueue") stream.messages.delete(sequence)
      notify()
    })

  const postpone = (stream: StreamData, consumer: ConsumerData, sequence: number, delivery: number, delay: Duration.Duration) =>
    withNow((now) => {
      const pending = consumer.pending.get(sequence)
      return pending === undefined || pending.delivery !== delivery
        ? Effect.void
        : arm(stream, consumer, sequence, pending, now, Duration.toMillis(delay))
    })

  const toDelivery = (stream: StreamData, consumer: ConsumerData, message: StoredMessage, pending: Pending): Delivery => {
    const { delivery, deliveryCount } = pending
    const sequence = message.sequence
    return {
      subject: message.subject,
      data: message.data,
      headers: message.headers,
      streamSequence: sequence,
      deliveryCount,
      ack: settle(stream, consumer, sequence),
      nak: (delay) => postpone(stream, consumer, sequence, delivery, delay),
      term: () => settle(stream, consumer, sequence),
      working: Effect.suspend(() => postpone(stream, consumer, sequence, delivery, consumer.spec.ackWait))
    }
  }

  const fetch = (name: string, consumerName: string, options: { readonly max: number; readonly expires: Duration.Duration }) =>
    Effect.gen(function*() {
      const [stream, consumer] = yield* lookup("fetch", name, consumerName)
      const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(options.expires)
      while (options.max >= 1) {
        const now = yield* Clock.currentTimeMillis
        const signal = changed
        const { deliveries, reached } = yield* Effect.uninterruptible(Effect.suspend(() => {
          const claimed = claim(stream, consumer, options.max, now)
          return Effect.as(Effect.all(claimed.timers, { discard: true }), claimed)
        }))
        yield* PubSub.publishAll(events, reached)
        if (deliveries.length > 0) return deliveries
        // Less than a millisecond left is expired: a clock at a fraction just short of the deadline would otherwise sleep
        // for too little to move it, and spin.
        if (deadline - now < 1) break
        yield* Effect.raceFirst(Deferred.await(signal), Effect.sleep(deadline - now))
      }
      return []
    })

  /** One copy in this process: `replicas` is accepted and ignored. */
  const ensureStream = (spec: StreamSpec) =>
    Effect.suspend(() => {
      if (!validName(spec.name) || spec.subjects.length === 0) return fail("ensureStream", `invalid stream ${spec.name}`)
      const clash = [...streams.values()].some((s) =>
        s.spec.name !== spec.name && s.spec.subjects.some((a) => spec.subjects.some((b) => overlaps(a, b)))
      )
      if (clash) return fail("ensureStream", "subjects overlap with an existing stream")
      const existing = streams.get(spec.name)
      if (existing !== undefined && existing.spec.retention !== spec.retention) {
        return fail("ensureStream", "stream retention cannot change")
      }
      if (existing !== undefined) existing.spec = spec
      else streams.set(spec.name, { spec, messages: new Map(), lastSequence: 0, ids: new Map(), consumers: new Map() })
      notify()
      return Effect.void
    })

  const ensureConsumer = (spec: ConsumerSpec) =>
    Effect.suspend(() => {
      const stream = streams.get(spec.stream)
      if (stream === undefined) return fail("ensureConsumer", `stream ${spec.stream} not found`)
      if (!validName(spec.name)) return fail("ensureConsumer", `invalid consumer name ${spec.name}`)
      if (!stream.spec.subjects.some((s) => overlaps(s, spec.filterSubject))) {
        return fail("ensureConsumer", "consumer filter subject is not a valid subset of the stream's subjects")
      }
      const others = [...stream.consumers.values()].filter((c) => c.spec.name !== spec.name)
      if (stream.spec.retention === "workqueue" && others.some((c) => overlaps(c.spec.filterSubject, spec.filterSubject))) {
        return fail("ensureConsumer", "filtered consumer not unique on workqueue stream")
      }
      const existing = stream.consumers.get(spec.name)
      if (existing !== undefined) existing.spec = spec
      else {
        const first = stream.messages.keys().next()
        const nextSequence = first.done === true ? stream.lastSequence + 1 : first.value
        stream.consumers.set(spec.name, { spec, nextSequence, pending: new Map(), redelivered: new Set() })
      }
      notify()
      return Effect.void
    })

  const publish: Context.Tag.Service<Broker>["publish"] = (subject, data, options) =>
    withNow<PublishResult>((now) => {
      if (subject.split(".").some((t) => t === "" || t === "*" || t === ">")) return fail("publish", `invalid subject ${subject}`)
      const stream = [...streams.values()].find((s) => s.spec.subjects.some((p) => overlaps(p, subject)))
      if (stream === undefined) return fail("publish", `no stream takes subject ${subject}`)
      expire(stream, now)
      const seen = stream.ids.get(options.msgId)
      if (seen !== undefined) return Effect.succeed({ sequence: seen.sequence, duplicate: true })
      const sequence = ++stream.lastSequence
      const headers = { ...options.headers, "Nats-Msg-Id": options.msgId }
      stream.messages.set(sequence, { subject, data: data.slice(), headers, sequence, time: new Date(now) })
      stream.ids.set(options.msgId, { sequence, at: now })
      notify()
      return Effect.succeed({ sequence, duplicate: false })
    })

  return Broker.of({
    durable: false,
    ensureStream,
    ensureConsumer,
    publishAll: (messages) =>
      Effect.forEach(messages, (message) => Effect.either(publish(message.subject, message.data, message))),
    deleteConsumer: (stream, name) => Effect.sync(() => void streams.get(stream)?.consumers.delete(name)),
    publish,
    fetch,
    consume: (stream, consumer, options) =>
      Stream.repeatEffect(fetch(stream, consumer, { max: options.max, expires: Duration.seconds(30) })).pipe(
        Stream.flattenIterables
      ),
    subjectCounts: (stream, filter) =>
      read(stream, new Map<string, number>(), (s) => {
        const counts = new Map<string, number>()
        for (const m of s.messages.values()) {
          if (overlaps(filter, m.subject)) counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1)
        }
        return counts
      }),
    consumerState: (stream, name) =>
      read(stream, Option.none(), (s) => Option.map(Option.fromNullable(s.consumers.get(name)), (c) => consumerState(s, c))),
    consumers: (stream) => read(stream, [], (s) => [...s.consumers.values()].map((c) => consumerState(s, c))),
    streamState: (name) =>
      read(name, Option.none(), (s) => {
        const first = s.messages.keys().next()
        return Option.some({
          name,
          subjects: s.spec.subjects,
          messages: s.messages.size,
          bytes: [...s.messages.values()].reduce((n, m) => n + size(m), 0),
          firstSequence: first.done === true ? (s.lastSequence === 0 ? 0 : s.lastSequence + 1) : first.value,
          lastSequence: s.lastSequence,
          consumers: s.consumers.size
        })
      }),
    getMessage: (stream, sequence) => read(stream, Option.none(), (s) => Option.fromNullable(s.messages.get(sequence))),
    deleteMessage: (stream, sequence) =>
      Effect.sync(() => {
        const deleted = streams.get(stream)?.messages.delete(sequence) ?? false
        if (deleted) notify()
        return deleted
      }),
    listMessages: (stream, options) =>
      read(stream, [], (s) =>
        [...s.messages.values()].filter((m) => m.sequence >= options.fromSequence).slice(0, Math.max(0, options.limit))),
    maxDeliveries: (names) => Stream.fromPubSub(events).pipe(Stream.filter((e) => names.includes(e.stream))),
    ping: Effect.void
  })
})

/** An in-process broker with JetStream's semantics, for tests and the embedded default; nothing outlives the process. */
export const layerMemory: Layer.Layer<Broker> = Layer.scoped(Broker, make)
