import { Duration, Effect, Either, Option, Schema } from "effect"
import { RoutingCreated } from "../src/domain/events.ts"
import type { CompanyId, RoutingId } from "../src/domain/ids.ts"
import type { Priority } from "../src/domain/job.ts"
import { notHeld, type PartitionLease } from "../src/domain/partitions.ts"
import type { PriorityTurns } from "../src/domain/priorityTurns.ts"
import { messageKeepAliveInterval } from "../src/Schedules.ts"
import type { Delivery } from "../src/services/Broker.ts"
import type { CircuitBreaker } from "../src/services/CircuitBreaker.ts"
import { ProviderError } from "../src/services/Providers.ts"
import type { DeliveryTarget } from "../src/services/Companies.ts"
import { CompanyRateLimiter } from "../src/services/CompanyRateLimiter.ts"
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
export const fenceOf = (actor: ActorState) => actor.fence() ?? notHeld(actor.partition)

/** An operator paused delivery to the company: no provider call may start. */
export const pausedOf = (actor: ActorState) => actor.target()?.paused ?? false

/** Provider calls the company allows at once. */
export const concurrencyOf = (actor: ActorState) => Math.max(1, actor.target()?.concurrency ?? 1)

/** Provider calls the company allows a minute. */
const rateLimitOf = (actor: ActorState) => actor.target()?.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT

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
export type Target = Either.Either<ResolvedProvider, ProviderError>

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
export const awaitTurn = (message: Delivery, actor: ActorState): Effect.Effect<number, never, CompanyRateLimiter> =>
  Effect.clockWith((clock) => {
    const wait = waitOf(actor, clock.unsafeCurrentTimeMillis())
    if (wait > 0) return Effect.zipRight(holdFor(message, Duration.millis(wait)), awaitTurn(message, actor))
    return Effect.flatMap(rateLimitToken(actor), (token) =>
      Duration.isZero(token.delay) ? Effect.succeed(token.remaining) : Effect.as(holdFor(message, token.delay), token.remaining))
  })
