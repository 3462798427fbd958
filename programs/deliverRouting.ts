import { RateLimiter } from "@effect/experimental"
import { Clock, Duration, Effect, Either, Metric, MetricLabel, Option, Ref, Schema } from "effect"
import { deliveryAttempts, deliveryLatency, providerCallDuration } from "../src/Metrics.ts"
import type { CircuitBreaker } from "../src/CircuitBreaker.ts"
import { RoutingCreated } from "../src/domain/events.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { messageKeepAlive, nthDelay, redelivery } from "../src/Schedules.ts"
import type { Delivery } from "../src/services/Broker.ts"
import { boundedBy, type LeadRequest, type ProviderError } from "../src/services/Providers.ts"
import { type AttemptResult, type Claim, RoutingRepo } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { WorkerRegistry } from "../src/services/Workers.ts"
import { sendToDeadLetters } from "./deadLetters.ts"
import { finishAttempt } from "./finishAttempt.ts"
import { providerAccountOf } from "./providerAccount.ts"

/** What the deliveries of one company share: its circuit, its 429 pause, and its rate limit. */
export interface CompanyLane {
  readonly companyId: CompanyId
  readonly circuit: CircuitBreaker
  /** Epoch milliseconds until which the provider asked us to slow down (429). */
  readonly rateLimitedUntil: Ref.Ref<number>
  readonly rateLimitPerMinute: Effect.Effect<number>
  /** An operator paused delivery to the company: no provider call may start. */
  readonly paused: Effect.Effect<boolean>
}

/** A token of the company's rate limit: how long to wait before the call, and how many are left. */
export const rateLimitToken = (lane: CompanyLane) =>
  Effect.flatMap(RateLimiter.RateLimiter, (limiter) =>
    Effect.flatMap(lane.rateLimitPerMinute, (limit) =>
      limiter.consume({ algorithm: "token-bucket", onExceeded: "delay", window: Duration.minutes(1), limit, key: lane.companyId })
    )).pipe(Effect.orDie)

/** While a message waits (circuit open, 429 pause, rate limit), it is kept alive at this interval. */
const KEEP_ALIVE = Duration.seconds(10)

/** A routing another worker is delivering is looked at again after this long. */
const LEASE_BUSY_RETRY = Duration.seconds(5)

/** How long a claim holds a routing: well past the bound on the provider call, so a live worker never loses its lease. */
const leaseFor = (callBound: Duration.Duration) => Duration.sum(Duration.times(callBound, 2), Duration.seconds(5))

/** A provider is resolved before the claim, so that the lease fits its calls; failing that, the call fails the same way. */
type Target = Either.Either<Effect.Effect.Success<ReturnType<typeof providerAccountOf>>, ProviderError>

const decodeMessage = Schema.decodeUnknownOption(Schema.parseJson(RoutingCreated))

/** Waits `duration`, telling the broker every few seconds that the message is still being worked on. */
const holdFor = (message: Delivery, duration: Duration.Duration): Effect.Effect<void> =>
  Duration.lessThanOrEqualTo(duration, Duration.zero) ? Effect.void : Effect.gen(function*() {
    const step = Duration.min(duration, KEEP_ALIVE)
    yield* Effect.sleep(step)
    yield* Effect.ignore(message.working)
    yield* holdFor(message, Duration.subtract(duration, step))
  })

/** Tells the broker, for as long as it runs, that the message is still being worked on (a call may outlast the ack wait). */
const keepAlive = (message: Delivery): Effect.Effect<never> =>
  Effect.ignore(message.working).pipe(Effect.schedule(messageKeepAlive), Effect.forever)

/**
 * Waits, holding the message, until the company may call its provider: no 429 pause, the circuit lets a call through,
 * and the rate limit has a token. Answers the tokens left.
 */
const awaitTurn = (message: Delivery, lane: CompanyLane): Effect.Effect<number, never, RateLimiter.RateLimiter> =>
  Effect.gen(function*() {
    const pausedFor = (yield* Ref.get(lane.rateLimitedUntil)) - (yield* Clock.currentTimeMillis)
    if (pausedFor > 0) {
      yield* holdFor(message, Duration.millis(pausedFor))
      return yield* awaitTurn(message, lane)
    }
    const permit = yield* lane.circuit.permit
    if (permit._tag === "Wait") {
      yield* holdFor(message, permit.duration)
      return yield* awaitTurn(message, lane)
    }
    const token = yield* rateLimitToken(lane)
    yield* holdFor(message, token.delay)
    return token.remaining
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
      const found = yield* client.findLead.value(request)
      if (Option.isSome(found)) return { externalId: found.value.externalId, outcome: "found" as const }
    }
    const created = yield* client.createLead(request)
    return { externalId: created.externalId, outcome: "created" as const }
  }).pipe(boundedBy(bound, { outcomeUnknown: true }))

/**
 * What became of one message. `parked`: acknowledged with no call because the company is paused; its routing waits in
 * storage, queued again on the resume.
 */
export type DeliveryOutcome = "synced" | "skipped" | "retrying" | "dead_lettered" | "parked"

/** Closes a half-open circuit whose probe will not happen (nothing was called). */
const releaseProbe = (lane: CompanyLane) =>
  lane.circuit.recordSuccess.pipe(Effect.whenEffect(Effect.map(lane.circuit.state, (s) => s === "half_open")))

/**
 * One attempt at the routing a message names. Answers the outcome, or "again" after a 429: the call is recorded without
 * using up an attempt and the company is paused; the same message is then tried again after the pause.
 */
const attempt = (message: Delivery, lane: CompanyLane, routingId: LeadRequest["routing"]["id"]) =>
  Effect.gen(function*() {
    const routings = yield* RoutingRepo
    const settings = yield* DeliverySettings
    const registry = yield* WorkerRegistry
    const current = yield* routings.get(routingId)
    if (Option.isNone(current) || !["pending", "retrying", "syncing"].includes(current.value.routing.syncStatus)) {
      yield* message.ack
      return "skipped" as const
    }
    if (yield* lane.paused) {
      yield* message.ack
      return "parked" as const
    }

    const tokens = yield* awaitTurn(message, lane)
    yield* registry.update(lane.companyId, (s) => ({ ...s, tokens }))
    const target: Target = yield* providerAccountOf(lane.companyId).pipe(
      Effect.map(Either.right),
      Effect.catchTag("ProviderError", (error) => Effect.succeed(Either.left(error)))
    )
    const calls = Either.match(target, { onLeft: () => 1, onRight: ({ client }) => client.maxCallsPerLead })
    const bound = Duration.times(settings.providerTimeout, calls)
    const leaseUntil = new Date((yield* Clock.currentTimeMillis) + Duration.toMillis(leaseFor(bound)))
    const claim = yield* routings.claim(routingId, yield* now, leaseUntil)
    if (Option.isNone(claim)) {
      yield* releaseProbe(lane)
      const after = yield* routings.get(routingId)
      if (Option.isSome(after) && after.value.routing.syncStatus === "syncing") {
        yield* message.nak(LEASE_BUSY_RETRY)
        return "retrying" as const
      }
      yield* message.ack
      return "skipped" as const
    }

    const { job, routing } = current.value
    const claimed = { ...routing, attempts: claim.value.attempts }
    if (yield* lane.paused) {
      // Paused while the claim was written: the claim ends with no call, and the routing waits for the resume.
      const at = yield* now
      yield* finishAttempt(claimed, {
        _tag: "Failed",
        status: "retrying",
        outcome: "paused",
        error: "delivery to the company was paused",
        counts: false,
        known: !claim.value.needsLookup
      }, { at, durationMs: 0 })
      yield* releaseProbe(lane)
      yield* message.ack
      return "parked" as const
    }
    const started = yield* Clock.currentTimeMillis
    const result = yield* callProvider(target, bound, claim.value, routing, job).pipe(
      Effect.map(Either.right),
      Effect.catchTag("ProviderError", (error) => Effect.succeed(Either.left(error))),
      Effect.raceFirst(keepAlive(message))
    )
    const at = yield* now
    const timing = { at, durationMs: at.getTime() - started }
    const provider = [MetricLabel.make("provider", Either.isRight(target) ? target.right.type : "unknown")]
    yield* Metric.update(Metric.taggedWithLabels(providerCallDuration, provider), timing.durationMs / 1000)
    const count = (outcome: string) =>
      Metric.increment(Metric.taggedWithLabels(deliveryAttempts, [...provider, MetricLabel.make("outcome", outcome)]))

    if (Either.isRight(result)) {
      yield* finishAttempt(claimed, { _tag: "Synced", ...result.right }, timing)
      yield* count("synced")
      yield* Metric.update(deliveryLatency, Math.max(0, at.getTime() - job.createdAt.getTime()) / 1000)
      yield* lane.circuit.recordSuccess
      yield* message.ack
      yield* registry.update(lane.companyId, (s) => ({ ...s, lastError: null }))
      yield* Effect.logInfo("routing synced").pipe(
        Effect.annotateLogs({ routing_id: routingId, external_id: result.right.externalId, outcome: result.right.outcome })
      )
      return "synced" as const
    }

    const error = result.left
    yield* registry.update(lane.companyId, (s) => ({ ...s, lastError: error.message }))
    const failed = (status: "retrying" | "failed", counts: boolean, reason = error.message): AttemptResult => ({
      _tag: "Failed",
      status,
      outcome: error.kind,
      error: reason,
      counts,
      known: !error.outcomeUnknown
    })

    if (error.kind === "rate_limited") {
      const wait = Option.isSome(error.retryAfter)
        ? error.retryAfter.value
        : yield* nthDelay(redelivery(settings.retryBase, settings.retryMaxDelay), 1)
      yield* Ref.set(lane.rateLimitedUntil, at.getTime() + Duration.toMillis(wait))
      yield* finishAttempt(claimed, failed("retrying", false), timing)
      yield* count("rate_limited")
      yield* releaseProbe(lane)
      yield* Effect.logWarning("provider rate limited the company; pausing it").pipe(
        Effect.annotateLogs({ routing_id: routingId, company_id: lane.companyId, pause_ms: Duration.toMillis(wait) })
      )
      return "again" as const
    }

    const attempts = claim.value.attempts + 1
    if (error.kind === "permanent" || attempts >= settings.attempts) {
      yield* error.kind === "permanent" ? lane.circuit.recordSuccess : lane.circuit.recordFailure
      const reason = error.kind === "permanent" ? error.message : `gave up after ${attempts} attempts: ${error.message}`
      yield* sendToDeadLetters({ ...message, routingId, companyId: lane.companyId, attempts, reason })
      yield* finishAttempt(claimed, failed("failed", true, reason), timing)
      yield* count("dead_lettered")
      yield* message.term(reason)
      return "dead_lettered" as const
    }

    yield* lane.circuit.recordFailure
    yield* finishAttempt(claimed, failed("retrying", true), timing)
    yield* count("retrying")
    const delay = yield* nthDelay(redelivery(settings.retryBase, settings.retryMaxDelay), attempts)
    yield* message.nak(delay)
    yield* Effect.logWarning("delivery failed; will retry").pipe(
      Effect.annotateLogs({ routing_id: routingId, attempts, retry_in_ms: Duration.toMillis(delay), error: error.message })
    )
    return "retrying" as const
  })

/**
 * Delivers the routing a message names, to the end of this attempt: a routing already delivered, canceled or failed is
 * acknowledged with no provider call; otherwise it waits its turn (429 pause, circuit, rate limit), claims the routing,
 * calls the provider, writes the result and the attempt to PostgreSQL, and only then acknowledges (synced), naks with
 * the redelivery delay (retryable), or copies the message to the dead letters and terminates it (permanent, or the
 * last attempt). A 429 pauses the company without using up an attempt, and the message is tried again after it.
 */
export const deliverRouting = Effect.fn("Delivery.deliver")(function*(message: Delivery, lane: CompanyLane) {
  const payload = decodeMessage(new TextDecoder().decode(message.data))
  if (Option.isNone(payload) || payload.value.company_id !== lane.companyId) {
    yield* Effect.logError("malformed delivery message; terminated").pipe(Effect.annotateLogs("subject", message.subject))
    yield* message.term("malformed delivery message")
    return "skipped" satisfies DeliveryOutcome
  }
  yield* Effect.annotateCurrentSpan({
    "routing.id": payload.value.routing_id,
    "job.id": payload.value.job_id,
    "company.id": lane.companyId
  })
  let outcome = yield* attempt(message, lane, payload.value.routing_id)
  while (outcome === "again") outcome = yield* attempt(message, lane, payload.value.routing_id)
  return outcome satisfies DeliveryOutcome
})
