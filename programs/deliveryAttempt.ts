import { Clock, Duration, Effect, Either, Metric, Option } from "effect"
import { deliveryAttempts, deliveryLatency, providerCallDuration, taggedBy } from "../src/Metrics.ts"
import type { Job, Routing } from "../src/domain/job.ts"
import { now } from "../src/domain/time.ts"
import { attemptBackoff, nthDelay } from "../src/Schedules.ts"
import type { BrokerError } from "../src/services/Broker.ts"
import { boundedBy, type LeadRequest, ProviderError } from "../src/services/Providers.ts"
import type { AttemptResult, Claim } from "../src/services/Routings.ts"
import { type DeliveryOptions, DeliverySettings } from "../src/services/Settings.ts"
import { credentialsFailed, credentialsWorked } from "./credentialAlerts.ts"
import { sendToDeadLetters } from "./deadLetters.ts"
import { attemptEvents, type FinishedAttempt } from "./finishAttempt.ts"
import { type ActorState, type HeldMessage, pausedOf, type Target } from "./actorState.ts"
const callDurationOf = taggedBy(providerCallDuration, "provider")
const attemptsOf = taggedBy(deliveryAttempts, "provider", "outcome")

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
export interface Taken {
  readonly held: HeldMessage
  readonly routing: Routing
  readonly job: Job
}

/** One routing's attempt, decided: what to write, and what to tell the broker once it is written. */
export interface Decided {
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
export const attempt = (taken: Taken, claim: Claim, leaseUntil: Date, actor: ActorState, target: Target, bound: Duration.Duration) =>
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
