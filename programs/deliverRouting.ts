import { Clock, Duration, Effect, Either, Metric, Option, Schema } from "effect"
import { deliveryAttempts, deliveryLatency, providerCallDuration, taggedBy } from "../src/Metrics.ts"
import { RoutingCreated } from "../src/domain/events.ts"
import type { CompanyId, RoutingId } from "../src/domain/ids.ts"
import type { Job, Priority, Routing } from "../src/domain/job.ts"
import { notHeld, type PartitionLease } from "../src/domain/partitions.ts"
import type { PriorityTurns } from "../src/domain/priorityTurns.ts"
import { now } from "../src/domain/time.ts"
import {
  attemptBackoff,
  leaseBusyRetry,
  messageKeepAliveInterval,
  nthDelay,
  resultFlushAfter,
  resultWriteRetry,
  routingLease
} from "../src/Schedules.ts"
import type { BrokerError, Delivery } from "../src/services/Broker.ts"
import type { CircuitBreaker } from "../src/services/CircuitBreaker.ts"
import { boundedBy, type LeadRequest, ProviderError } from "../src/services/Providers.ts"
import type { DeliveryTarget } from "../src/services/Companies.ts"
import { CompanyRateLimiter } from "../src/services/CompanyRateLimiter.ts"
import { type AttemptResult, type Claim, RoutingRepo } from "../src/services/Routings.ts"
import { type DeliveryOptions, DeliverySettings } from "../src/services/Settings.ts"
import { credentialsFailed, credentialsWorked } from "./credentialAlerts.ts"
import { sendToDeadLetters } from "./deadLetters.ts"
import type { DeliveryStorage } from "./deliveryStorage.ts"
import { attemptEvents, type FinishedAttempt } from "./finishAttempt.ts"
import { providerAccountOf } from "./providerAccount.ts"

/** The rate limit used until the company's settings are known. */
const DEFAULT_RATE_LIMIT = 50

/**
 * What the deliveries (and status polls) of one company share: its settings as the directory has them, its circuit,
 * its 429 pause and its rate limit. The fields that change are the actor's own: only its fibers change them, each
 * change one synchronous step, so a delivery reads them without an effect.
 */
export interface ActorState {
  readonly companyId: CompanyId
  readonly circuit: CircuitBreaker
  /** The company's delivery settings now; undefined while the directory does not know it. */
  readonly target: () => DeliveryTarget | undefined
  /** The delivery directory's revision: a provider read for the company before it moved may be stale. */
  readonly directoryRevision: () => number
  /** Epoch milliseconds until which the provider asked us to slow down (429). */
  rateLimitedUntil: number
  /** The tokens the company's rate limit had left after its last call; null before the first. */
  tokensLeft: number | null
  /** The company's provider as last read, with the directory's revision then (see `providerOfActor`). */
  provider: ProviderRead | undefined
  /** The last provider error, cleared by a success (shown in `/admin/workers`). */
  lastError: string | null
  /**
   * What the provider made of the company's credentials, as far as this actor knows: refused (401/403) under the
   * directory's revision then, accepted, or unknown yet (see `credentialAlerts.ts`).
   */
  credentials: "unknown" | "accepted" | { readonly refusedAtRevision: number }
  /** The company's partition of the work stream. */
  readonly partition: number
  /** The lease under which this replica holds the company's partition now; none once it no longer may deliver for it. */
  readonly fence: () => PartitionLease | undefined
}

/** The partition lease a claim for the company is made under: one always refused once the partition is not held. */
const fenceOf = (actor: ActorState) => actor.fence() ?? notHeld(actor.partition)

/** An operator paused delivery to the company: no provider call may start. */
export const pausedOf = (actor: ActorState) => actor.target()?.paused ?? false

/** Provider calls the company allows at once. */
export const concurrencyOf = (actor: ActorState) => Math.max(1, actor.target()?.concurrency ?? 1)

/** Provider calls the company allows a minute. */
export const rateLimitOf = (actor: ActorState) => actor.target()?.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT

type ResolvedProvider = Effect.Effect.Success<ReturnType<typeof providerAccountOf>>

/** A company's provider as read, with the delivery directory's revision at the time. */
export interface ProviderRead {
  readonly revision: number
  readonly resolved: ResolvedProvider
}

/**
 * The company's provider, read from storage (a statement and the credentials opened) only when `fresh`, after a failed
 * call, or when the delivery directory has changed since the last read (a change to the company's provider moves it).
 */
export const providerOfActor = (actor: ActorState, fresh: boolean) =>
  Effect.suspend(() => {
    const revision = actor.directoryRevision()
    const cached = actor.provider
    if (!fresh && cached !== undefined && cached.revision === revision) return Effect.succeed(cached.resolved)
    return providerAccountOf(actor.companyId).pipe(
      Effect.tapBoth({
        onFailure: () => Effect.sync(() => void (actor.provider = undefined)),
        onSuccess: (resolved) => Effect.sync(() => void (actor.provider = { revision, resolved }))
      })
    )
  })

/**
 * A turn under the company's rate limit (at most `rate_limit_per_minute` calls in any minute, see `CallWindow`): how
 * long to wait before the call, and how many calls are left.
 */
export const rateLimitToken = (actor: ActorState) =>
  Effect.flatMap(CompanyRateLimiter, (limiter) =>
    Effect.map(limiter.take(actor.companyId, rateLimitOf(actor)), (turn) => {
      actor.tokensLeft = turn.remaining
      return turn
    }))

/** How long the company must wait at `now` before a provider call may start: its 429 pause, or its circuit's wait. */
const waitOf = (actor: ActorState, now: number) => {
  if (actor.rateLimitedUntil > now) return actor.rateLimitedUntil - now
  const permit = actor.circuit.permitAt(now)
  return permit._tag === "Wait" ? Duration.toMillis(permit.duration) : 0
}

/** A provider is resolved before the claim, so that the lease fits its calls; failing that, the call fails the same way. */
type Target = Either.Either<ResolvedProvider, ProviderError>

const decodeMessage = Schema.decodeUnknownOption(Schema.parseJson(RoutingCreated))

/** A company's work message, decoded: the routing it names, and the priority of the routing's job. */
export interface HeldMessage {
  readonly message: Delivery
  readonly routingId: RoutingId
  readonly priority: Priority
}

/** The message decoded, when it names a routing of `companyId`'s. */
export const decodeHeld = (message: Delivery, companyId: CompanyId): Option.Option<HeldMessage> =>
  Option.flatMap(decodeMessage(new TextDecoder().decode(message.data)), (payload) =>
    payload.company_id === companyId
      ? Option.some({ message, routingId: payload.routing_id, priority: payload.priority })
      : Option.none())

/** The company's turns (see `PriorityTurns`) as a batch takes them, call by call. */
export type BatchTurns = Pick<PriorityTurns<HeldMessage>, "reserve" | "turn" | "started">

const callDurationOf = taggedBy(providerCallDuration, "provider")
const attemptsOf = taggedBy(deliveryAttempts, "provider", "outcome")

/** Waits `duration`, telling the broker every few seconds that the message is still being worked on. */
const holdFor = (message: Delivery, duration: Duration.Duration): Effect.Effect<void> =>
  Duration.lessThanOrEqualTo(duration, Duration.zero) ? Effect.void : Effect.gen(function*() {
    const step = Duration.min(duration, messageKeepAliveInterval)
    yield* Effect.sleep(step)
    yield* Effect.ignore(message.working)
    yield* holdFor(message, Duration.subtract(duration, step))
  })

/**
 * Waits, holding the message, until the company may call its provider: no 429 pause, the circuit lets a call through,
 * and the rate limit has a token. Answers the tokens left.
 */
const awaitTurn = (message: Delivery, actor: ActorState): Effect.Effect<number, never, CompanyRateLimiter> =>
  Effect.clockWith((clock) => {
    const wait = waitOf(actor, clock.unsafeCurrentTimeMillis())
    if (wait > 0) return Effect.zipRight(holdFor(message, Duration.millis(wait)), awaitTurn(message, actor))
    return Effect.flatMap(rateLimitToken(actor), (token) =>
      Duration.isZero(token.delay) ? Effect.succeed(token.remaining) : Effect.as(holdFor(message, token.delay), token.remaining))
  })

/** A lookup that failed leaves the earlier call's outcome as unknown as it was: the next attempt looks again. */
const stillUnknown = (error: ProviderError) =>
  new ProviderError({
    kind: error.kind,
    message: error.message,
    retryAfter: error.retryAfter,
    outcomeUnknown: true,
    ...(error.status === undefined ? {} : { status: error.status })
  })

/**
 * The provider call: a lookup first when the last outcome is unknown, else a create; bounded by `bound` (the provider
 * timeout for each call a create may make).
 */
const callProvider = (target: Target, bound: Duration.Duration, claim: Claim, routing: LeadRequest["routing"], job: LeadRequest["job"]) =>
  Effect.gen(function*() {
    const { client, account } = yield* target
    const request: LeadRequest = { ...account, routing, job }
    if (claim.needsLookup && Option.isSome(client.findLead)) {
      const found = yield* client.findLead.value(request).pipe(Effect.mapError(stillUnknown))
      if (Option.isSome(found)) return { externalId: found.value.externalId, outcome: "found" as const }
    }
    const created = yield* client.createLead(request)
    return { externalId: created.externalId, outcome: "created" as const }
  }).pipe(boundedBy(bound, { outcomeUnknown: true }))

/** A message whose routing is to be delivered now, with what storage holds of it. */
interface Taken {
  readonly held: HeldMessage
  readonly routing: Routing
  readonly job: Job
}

/** One routing's attempt, decided: what to write, and what to tell the broker once it is written. */
interface Decided {
  readonly held: HeldMessage
  readonly finished: FinishedAttempt
  /** Settles the message (ack, nak with the retry delay, or terminate), after the write. */
  readonly settle: Effect.Effect<void, BrokerError>
  /** A 429: the message is tried again after the company's pause, without using up an attempt. */
  readonly again: boolean
}

/** When a provider call ended, and how long it took. */
interface Timing {
  readonly at: Date
  readonly durationMs: number
}

/** What the steps of one routing's attempt share: the claimed routing, its company's actor, and how an outcome is decided. */
interface AttemptScope {
  readonly settings: DeliveryOptions
  readonly taken: Taken
  readonly claim: Claim
  readonly actor: ActorState
  /** Counts the attempt's outcome for the provider called. */
  readonly count: (outcome: string) => Effect.Effect<void>
  /** The outcome as what to write and how to settle the message once it is written. */
  readonly decided: (
    result: AttemptResult,
    timing: Timing,
    settle: Effect.Effect<void, BrokerError>,
    again?: boolean
  ) => ReturnType<typeof decide>
}

/** The outcome of `claimed`'s attempt as what to write (its result and events) and how to settle its message. */
const decide = (
  held: HeldMessage,
  claimed: Routing,
  leaseUntil: Date,
  result: AttemptResult,
  timing: Timing,
  settle: Effect.Effect<void, BrokerError>,
  again = false
) =>
  Effect.map(attemptEvents(claimed, result, timing.at), (events): Decided => ({
    held,
    finished: { routing: claimed, leaseUntil, result, timing, events },
    settle,
    again
  }))

/** Paused after the claim: the attempt ends with no call, the probe given back, and the routing waits for the resume. */
const endPaused = (scope: AttemptScope) =>
  Effect.gen(function*() {
    yield* scope.actor.circuit.release
    return yield* scope.decided({
      _tag: "Failed",
      status: "retrying",
      outcome: "paused",
      error: "delivery to the company was paused",
      counts: false,
      known: !scope.claim.needsLookup
    }, { at: yield* now, durationMs: 0 }, scope.taken.held.message.ack)
  })

/** The provider call, timed (its duration recorded for `provider`): its answer, or the error it ended with. */
const timedCall = (provider: string, target: Target, bound: Duration.Duration, claim: Claim, routing: Routing, job: Job) =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const result = yield* callProvider(target, bound, claim, routing, job).pipe(
      Effect.map(Either.right),
      Effect.catchTag("ProviderError", (error) => Effect.succeed(Either.left(error)))
    )
    const at = yield* now
    const timing: Timing = { at, durationMs: at.getTime() - started }
    yield* Metric.update(callDurationOf(provider), timing.durationMs / 1000)
    return { result, timing }
  })

/** What a provider call that succeeded answers: the lead's id at the provider, and whether it was found or created. */
type Delivered = Effect.Effect.Success<ReturnType<typeof callProvider>>

/** A call that succeeded: the circuit and the company's credentials recorded as working, the message acknowledged. */
const recordSynced = (scope: AttemptScope, delivered: Delivered, timing: Timing) =>
  Effect.gen(function*() {
    const { actor, taken: { job, routing } } = scope
    yield* scope.count("synced")
    yield* Metric.update(deliveryLatency, Math.max(0, timing.at.getTime() - job.createdAt.getTime()) / 1000)
    yield* actor.circuit.recordSuccess
    actor.lastError = null
    yield* credentialsWorked(actor)
    yield* Effect.logDebug("routing synced").pipe(
      Effect.annotateLogs({ routing_id: routing.id, external_id: delivered.externalId, outcome: delivered.outcome })
    )
    return yield* scope.decided({ _tag: "Synced", ...delivered }, timing, scope.taken.held.message.ack)
  })

/** The attempt's result for a call that failed with `error`. */
const failedWith = (error: ProviderError, status: "retrying" | "failed", counts: boolean, reason = error.message): AttemptResult => ({
  _tag: "Failed",
  status,
  outcome: error.kind,
  error: reason,
  counts,
  known: !error.outcomeUnknown
})

/** The routing given up: copied to the dead letters, counted, and its message terminated. */
const giveUp = (scope: AttemptScope, error: ProviderError, timing: Timing, attempts: number, reason: string) =>
  Effect.gen(function*() {
    const { actor, taken: { held: { message }, routing } } = scope
    yield* sendToDeadLetters({ ...message, routingId: routing.id, jobId: routing.jobId, companyId: actor.companyId, attempts, reason })
    yield* scope.count("dead_lettered")
    return yield* scope.decided(failedWith(error, "failed", true, reason), timing, message.term(reason))
  })

/**
 * A 429: the company paused for the provider's wait (or the first retry delay), the message tried again after it
 * without using up an attempt; given up once the 429s have lasted `RATE_LIMITED_GIVE_UP_HOURS`.
 */
const recordRateLimited = (scope: AttemptScope, error: ProviderError, timing: Timing) =>
  Effect.gen(function*() {
    const { claim, actor, settings, taken: { routing } } = scope
    const { at } = timing
    const wait = Option.isSome(error.retryAfter)
      ? error.retryAfter.value
      : yield* nthDelay(attemptBackoff(settings.retryBase, settings.retryMaxDelay), 1)
    actor.rateLimitedUntil = at.getTime() + Duration.toMillis(wait)
    yield* scope.count("rate_limited")
    yield* actor.circuit.release
    // A 429 uses up no attempt, so a provider that never stops answering it would be retried for ever.
    const since = claim.rateLimitedSince ?? at
    if (at.getTime() - since.getTime() >= Duration.toMillis(settings.rateLimitedGiveUp)) {
      const reason = `gave up after ${Duration.format(settings.rateLimitedGiveUp)} of rate limiting (429) since ${since.toISOString()}: ${error.message}`
      return yield* giveUp(scope, error, timing, claim.attempts + 1, reason)
    }
    yield* Effect.logWarning("provider rate limited the company; pausing it").pipe(
      Effect.annotateLogs({ routing_id: routing.id, company_id: actor.companyId, pause_ms: Duration.toMillis(wait) })
    )
    return yield* scope.decided(failedWith(error, "retrying", false), timing, Effect.void, true)
  })

/**
 * A call that failed otherwise: given up when permanent or the last attempt, else the circuit told of the failure and
 * the message tried again after the next `attemptBackoff` delay.
 */
const recordFailedCall = (scope: AttemptScope, error: ProviderError, timing: Timing) =>
  Effect.gen(function*() {
    const { claim, actor, settings, taken: { held: { message }, routing } } = scope
    const attempts = claim.attempts + 1
    if (error.kind === "permanent" || attempts >= settings.attempts) {
      yield* error.kind === "permanent" ? actor.circuit.recordSuccess : actor.circuit.recordFailure
      const reason = error.kind === "permanent" ? error.message : `gave up after ${attempts} attempts: ${error.message}`
      return yield* giveUp(scope, error, timing, attempts, reason)
    }
    yield* actor.circuit.recordFailure
    yield* scope.count("retrying")
    const delay = yield* nthDelay(attemptBackoff(settings.retryBase, settings.retryMaxDelay), attempts)
    yield* Effect.logWarning("delivery failed; will retry").pipe(
      Effect.annotateLogs({ routing_id: routing.id, attempts, retry_in_ms: Duration.toMillis(delay), error: error.message })
    )
    return yield* scope.decided(failedWith(error, "retrying", true), timing, message.nak(delay))
  })

/** A call that failed: the provider's settings read again next time, the company's credentials told, the error recorded. */
const recordProviderError = (scope: AttemptScope, error: ProviderError, timing: Timing) =>
  Effect.gen(function*() {
    const { actor, taken: { routing } } = scope
    // The provider's settings may be what failed: the next call reads them again.
    actor.provider = undefined
    actor.lastError = error.message
    yield* credentialsFailed(actor, error, routing)
    return yield* error.kind === "rate_limited" ? recordRateLimited(scope, error, timing) : recordFailedCall(scope, error, timing)
  })

/**
 * The provider call for a claimed routing and what follows from its answer: the circuit and the 429 pause updated, the
 * metrics counted, the dead letter copied for a give-up; the write and the settling are left to the batch.
 */
const attempt = (taken: Taken, claim: Claim, leaseUntil: Date, actor: ActorState, target: Target, bound: Duration.Duration) =>
  Effect.gen(function*() {
    const settings = yield* DeliverySettings
    const claimed = { ...taken.routing, attempts: claim.attempts }
    const provider = Either.isRight(target) ? target.right.type : "unknown"
    const scope: AttemptScope = {
      settings,
      taken,
      claim,
      actor,
      count: (outcome) => Metric.increment(attemptsOf(provider, outcome)),
      decided: (result, timing, settle, again) => decide(taken.held, claimed, leaseUntil, result, timing, settle, again)
    }
    if (pausedOf(actor)) return yield* endPaused(scope)
    const { result, timing } = yield* timedCall(provider, target, bound, claim, taken.routing, taken.job)
    return yield* Either.isRight(result) ? recordSynced(scope, result.right, timing) : recordProviderError(scope, result.left, timing)
  })

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
