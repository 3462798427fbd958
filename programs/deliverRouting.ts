import { Clock, Duration, Effect, Either, Option } from "effect"
import type { RoutingId } from "../src/domain/ids.ts"
import type { Routing } from "../src/domain/job.ts"
import { now } from "../src/domain/time.ts"
import { leaseBusyRetry, resultFlushAfter, resultWriteRetry, routingLease } from "../src/Schedules.ts"
import type { Delivery } from "../src/services/Broker.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import type { DeliveryStorage } from "./deliveryStorage.ts"
import {
  type ActorState,
  awaitTurn,
  type BatchTurns,
  concurrencyOf,
  fenceOf,
  type HeldMessage,
  pausedOf,
  providerOfActor,
  type Target
} from "./actorState.ts"
import { attempt, type Decided, type Taken } from "./deliveryAttempt.ts"

/** Runs a chunk's elements side by side; a chunk of one in the fiber at hand (a fiber forked per call is costly). */
const sideBySide = (chunk: ReadonlyArray<unknown>) => (chunk.length > 1 ? "unbounded" : 1)

const OPEN_STATUSES: ReadonlyArray<Routing["syncStatus"]> = ["pending", "retrying", "syncing"]

/**
 * Delivers the routings a batch of one company's messages name (taken from its held messages in turn order), to the end
 * of this attempt. One statement finds them and, when no wait is in sight, claims them with a lease (else they are
 * claimed chunk by chunk); a routing already delivered, canceled or failed is acknowledged with no provider call. The
 * rest go in chunks of up to the company's `concurrency`, each routing picked as its priority's turn comes (`turns`): a
 * turn that falls to a routing held outside the batch (a higher priority arrived meanwhile, or a lower one's patience
 * ran out) ends the batch there, and what it did not start goes back to the front of the queue. Each chunk waits its
 * turn (429 pause, circuit, rate limit), and its provider calls run side by side (a lookup first where an earlier
 * outcome is unknown). Every result and attempt of the batch, with its events, is written
 * in one statement, and only then are the messages settled: acknowledged (synced), nak'ed with the redelivery delay
 * (retryable), or copied to the dead letters and terminated (permanent, or the last attempt). Each routing's turn and
 * call are traced as the processing of its message. On shutdown the chunks not started are handed back to the broker.
 * The caller keeps the batch's messages alive at the broker meanwhile (see `keepAllAlive`). Answers the messages to
 * hold again, in their order (not started when the batch ended early, or to try again after a 429, which is recorded
 * without using up an attempt), and whether the company was found paused (its messages were then acknowledged unworked:
 * parked).
 */
export const deliverBatch = Effect.fnUntraced(function*(
  batch: ReadonlyArray<HeldMessage>,
  actor: ActorState,
  turns: BatchTurns,
  trace: (message: Delivery) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
  /** True once the process shuts down: no further chunk starts. */
  stopping: () => boolean,
  /** Reads, claims and writes results (see `groupedDeliveryStorage`). */
  storage: DeliveryStorage
) {
  const routings = yield* RoutingRepo
  const settings = yield* DeliverySettings
  const none: Array<HeldMessage> = []
  if (batch.length === 0) return { again: none, parked: false }
  if (pausedOf(actor)) {
    yield* Effect.forEach(batch, (held) => Effect.ignore(held.message.ack), { discard: true })
    return { again: none, parked: true }
  }

  /** The provider, read again after a wait (its settings may have been fixed meanwhile). */
  const resolveTarget = (fresh: boolean) =>
    providerOfActor(actor, fresh).pipe(
      Effect.map((account): Target => Either.right(account)),
      Effect.catchTag("ProviderError", (error) => Effect.succeed<Target>(Either.left(error)))
    )
  let target = yield* resolveTarget(false)
  const boundOf = (t: Target) =>
    Duration.times(settings.providerTimeout, Either.match(t, { onLeft: () => 1, onRight: ({ client }) => client.maxCallsPerLead }))

  /**
   * When no wait is in sight (no 429 pause, circuit closed with no failure, tokens left after the last call), the
   * routings are claimed as they are read, in one statement. A lease that runs out while the batch goes on is harmless,
   * as only this actor works for the company and it holds the messages; after a crash the leases have run out before
   * the messages come back.
   */
  const ids = [...new Set(batch.map((held) => held.routingId))]
  const startedAt = yield* Clock.currentTimeMillis
  const waitInSight = actor.rateLimitedUntil > startedAt || !actor.circuit.clear() || (actor.tokensLeft ?? ids.length) < ids.length
  const aheadLease = new Date(startedAt + Duration.toMillis(routingLease(boundOf(target))))
  const { found: current, claims: claimedAhead } = waitInSight
    ? { found: yield* storage.read(ids), claims: null }
    : yield* storage.readAndClaim(ids.map((id) => ({ id, leaseUntil: aheadLease, fence: fenceOf(actor) })))
  const open: Array<Taken> = []
  const done: Array<Delivery> = []
  const seen = new Set<RoutingId>()
  for (const held of batch) {
    const found = current.get(held.routingId)
    // A second message for a routing already in the batch (a redelivery, or one queued again) is settled with no call.
    if (found !== undefined && OPEN_STATUSES.includes(found.routing.syncStatus) && !seen.has(held.routingId)) {
      open.push({ held, ...found })
    } else done.push(held.message)
    seen.add(held.routingId)
  }
  yield* Effect.forEach(done, (m) => Effect.ignore(m.ack), { discard: true })
  turns.reserve(open.map((t) => t.held.priority))

  const concurrency = concurrencyOf(actor)
  const again: Array<HeldMessage> = []
  let parked = false
  let pending: Array<Decided> = []
  let pendingSince: number | null = null
  /**
   * Writes the results decided so far in one statement, then settles their messages. A write that fails is tried
   * again while the leases hold; failing still, the messages come back later, and as the routings were left `syncing`
   * the next claim asks the provider first whether the lead was created.
   */
  const flush = Effect.suspend(() => {
    const decided = pending
    pending = []
    pendingSince = null
    if (decided.length === 0) return Effect.void
    const leaseEnds = Math.min(...decided.map((d) => d.finished.leaseUntil?.getTime() ?? 0))
    return Effect.flatMap(Clock.currentTimeMillis, (at) =>
      storage.write(decided.map((d) => d.finished)).pipe(
        Effect.tapError((error) =>
          Effect.logWarning("delivery results not written; trying again").pipe(Effect.annotateLogs("error", error.message))
        ),
        Effect.retry(resultWriteRetry(Duration.millis(Math.max(0, leaseEnds - at))))
      )).pipe(
      Effect.zipRight(Effect.forEach(decided, (d) => Effect.ignore(d.settle), { discard: true })),
      Effect.zipRight(Effect.sync(() => {
        for (const d of decided) {
          if (d.again) again.push(d.held)
          if (d.finished.result._tag === "Failed" && d.finished.result.outcome === "paused") parked = true
        }
      }))
    )
  })
  /** True when the next turn may have to wait: what is decided is written first rather than held back by the wait. */
  let tokensLeft = Number.POSITIVE_INFINITY
  const mayWait = (size: number, now: number) => tokensLeft < size || actor.rateLimitedUntil > now || actor.circuit.waitAt(now) > 0

  /** The batch's routings not started, in turn order; the chunk waiting for its turn is not among them. */
  const rest = open
  let chunkWaiting: ReadonlyArray<Taken> = []
  /** Leaves the batch: claims made ahead for what has not started are given back, and answered. */
  const leave = Effect.suspend(() => {
    const left = [...chunkWaiting, ...rest.splice(0)]
    chunkWaiting = []
    return claimedAhead === null ? Effect.succeed(left) : Effect.flatMap(now, (at) =>
      routings.release(left.flatMap((t) => (claimedAhead.has(t.routing.id) ? [t.routing.id] : [])), at)).pipe(Effect.as(left))
  })
  /** Up to `size` of the batch's routings, each as its priority's turn comes; none when the turn is a held one's. */
  const nextChunk = (size: number) => {
    const chunk: Array<Taken> = []
    while (chunk.length < size) {
      const priority = turns.turn()
      const at = rest.findIndex((t) => t.held.priority === priority)
      if (priority === undefined || at < 0) break
      chunk.push(...rest.splice(at, 1))
      turns.started(priority)
    }
    return chunk
  }

  const inChunks = Effect.gen(function*() {
    while (rest.length > 0) {
      if (stopping()) {
        // Shutting down: what has not started goes back to the broker at once, for the next process.
        const left = yield* leave
        yield* Effect.forEach(left, (t) => Effect.ignore(t.held.message.nak(Duration.zero)), { discard: true })
        break
      }
      // After a failure calls go one at a time, so that no more than the threshold are made before the circuit opens;
      // a circuit not closed lets one probe through: the chunk is that probe alone.
      const slowDown = again.length > 0 || pending.some((d) => d.again)
      const chunk = slowDown ? [] : nextChunk(actor.circuit.clear() ? concurrency : 1)
      if (chunk.length === 0) {
        // The provider asked to slow down (what has not started waits with the 429's messages for the pause), or a
        // routing held outside the batch has the next turn: what has not started is held again, ahead of the others.
        yield* flush
        again.push(...(yield* leave).map((t) => t.held))
        break
      }
      chunkWaiting = chunk
      const chunkStarted = yield* Clock.currentTimeMillis
      const waits = mayWait(chunk.length, chunkStarted)
      if (waits && pending.length > 0) yield* flush
      const tokens = yield* Effect.forEach(chunk, (t) => awaitTurn(t.held.message, actor), { concurrency: sideBySide(chunk) })
      // Only now is the chunk under way: cut off while it waited for its turn, its claims are given back too.
      chunkWaiting = []
      if (waits) target = yield* resolveTarget(true)
      const bound = boundOf(target)
      tokensLeft = Math.min(...tokens)
      const leaseUntil = new Date((waits ? yield* Clock.currentTimeMillis : chunkStarted) + Duration.toMillis(routingLease(bound)))
      const claims = claimedAhead ?? (yield* storage.claim(chunk.map((t) => ({ id: t.routing.id, leaseUntil, fence: fenceOf(actor) }))))
      const claimLease = claimedAhead === null ? leaseUntil : aheadLease
      const outcomes = yield* Effect.forEach(chunk, (t) => {
        const claim = claims.get(t.routing.id)
        if (claim !== undefined) {
          return Effect.asSome(attempt(t, claim, claimLease, actor, target, bound).pipe(
            Effect.withSpan("Delivery.deliver", {
              captureStackTrace: false,
              attributes: { "routing.id": t.routing.id, "job.id": t.job.id, "company.id": actor.companyId }
            }),
            trace(t.held.message)
          ))
        }
        // Not there to take: the partition passed to another replica (its message goes back at once, for it),
        // delivered meanwhile, or leased by an actor elsewhere (looked at again later).
        const { message } = t.held
        const settle = actor.fence() === undefined
          ? message.nak(Duration.zero)
          : t.routing.syncStatus === "syncing"
          ? message.nak(leaseBusyRetry)
          : message.ack
        return actor.circuit.release.pipe(
          Effect.zipRight(settle),
          Effect.ignore,
          Effect.as(Option.none<Decided>())
        )
      }, { concurrency: sideBySide(chunk) })
      pending.push(...outcomes.flatMap(Option.toArray))
      if (pending.length > 0 && pendingSince === null) pendingSince = chunkStarted
      // Results are not held back long (slow calls), nor at all once shutting down: what was called gets written.
      if (pendingSince !== null && (stopping() || (yield* Clock.currentTimeMillis) - pendingSince >= Duration.toMillis(resultFlushAfter))) {
        yield* flush
      }
    }
    yield* flush
  })
  // Cut off (the shutdown's time ran out): what was called is still written, and claims not tried are given back.
  const onCut = Effect.ignore(Effect.zipRight(flush, leave))
  yield* Effect.onInterrupt(inChunks, () => onCut)
  return { again, parked }
})
