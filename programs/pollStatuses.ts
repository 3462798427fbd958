import { Clock, Duration, Effect, Option } from "effect"
import { Conflict, Unavailable } from "../src/domain/errors.ts"
import { JobCompleted, RoutingStatusChanged } from "../src/domain/events.ts"
import type { ExternalStatus, Job, JobStatus, Routing } from "../src/domain/job.ts"
import { dueBefore } from "../src/domain/pollSchedule.ts"
import { now } from "../src/domain/time.ts"
import { JobRepo } from "../src/services/Jobs.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import type { LeadState } from "../src/services/Providers.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import type { PollResult } from "../src/services/StatusPolls.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { withSpanContinuing } from "../src/Telemetry.ts"
import { credentialsFailed, credentialsWorked } from "./credentialAlerts.ts"
import { type ActorState, pausedOf, providerOfActor, rateLimitToken } from "./actorState.ts"
import { outboxEvent } from "./outboxEvent.ts"

/** Routings asked about in one statuses call (adapters split it further by their provider's limit). */
export const POLL_BATCH = 50

/** What a lead's state means for its routing: `pending` at the provider is no external status yet. */
const routingStatusOf = (state: LeadState) => ({
  externalStatus: state.status === "pending" ? null : (state.status as ExternalStatus),
  revenue: Option.getOrNull(Option.map(state.revenueCents, (cents) => cents / 100)),
  completedAt: Option.getOrNull(state.completedAt)
})

/**
 * The job's status once its routings are as given (API.md): completed when a lead is completed, in progress when one
 * is under way, canceled when every routing is canceled (here or at the provider), else as it was.
 */
export const jobStatusFrom = (job: Job, routings: ReadonlyArray<Routing>): JobStatus => {
  if (routings.some((r) => r.externalStatus === "completed")) return "completed"
  if (routings.some((r) => r.externalStatus === "in_progress")) return "in_progress"
  if (routings.every((r) => r.syncStatus === "canceled" || r.externalStatus === "canceled")) return "canceled"
  return job.status
}

/**
 * Writes a lead's new state, the job's status that follows from it, and their events (`routing.status_changed`, and
 * `job.completed` when the job completes) in one transaction. Answers whether anything changed.
 */
const applyState = (routing: Routing, state: LeadState) =>
  Effect.gen(function*() {
    const routings = yield* RoutingRepo
    const at = yield* now
    const next = routingStatusOf(state)
    const same = next.externalStatus === routing.externalStatus && next.revenue === routing.revenue &&
      next.completedAt?.getTime() === routing.completedAt?.getTime()
    if (same) {
      yield* routings.markPolled([routing.id], at)
      return false
    }
    yield* (yield* Transactions).run(Effect.gen(function*() {
      yield* routings.recordStatus(routing.id, next, at)
      const found = yield* routings.get(routing.id)
      if (Option.isNone(found)) return
      const { job } = found.value
      const status = jobStatusFrom(job, job.routings)
      const events = [yield* outboxEvent("routing.status_changed", routing.id, RoutingStatusChanged.make({
        routing_id: routing.id,
        job_id: routing.jobId,
        company_id: routing.companyId,
        previous_status: routing.externalStatus,
        external_status: next.externalStatus,
        revenue: next.revenue,
        completed_at: next.completedAt?.toISOString() ?? null
      }), at)]
      if (status !== job.status) {
        yield* (yield* JobRepo).setStatus(job.id, status, at)
        if (status === "completed") {
          events.push(yield* outboxEvent("job.completed", job.id, JobCompleted.make({ job_id: job.id, completed_at: at.toISOString() }), at))
        }
      }
      yield* (yield* OutboxRepo).append(events)
    }))
    return true
  })

/**
 * One poll of a company's delivered, unfinished leads not asked about for `fresh` (zero: every one of them): in batches,
 * each taking a token of the company's rate limit and a pass through its circuit (recording the outcome), the
 * provider's answers written as they come. A batch the circuit holds back ends the poll; the next one tries again.
 * Answers how many leads were asked about and how many of them changed.
 */
export const pollCompany = Effect.fn("Polling.company")(function*(actor: ActorState, fresh: Duration.Duration) {
  const routings = yield* RoutingRepo
  const polledBefore = dueBefore(yield* Clock.currentTimeMillis, fresh)
  let polled = 0
  let changed = 0
  const result = (): PollResult => ({ polled, changed })
  while (true) {
    const due = yield* routings.claimToPoll(actor.companyId, polledBefore, POLL_BATCH, yield* now)
    if (due.length === 0) return result()
    // Read only when there is something to ask: most of an idle fleet's polls find nothing.
    const { client, account } = yield* providerOfActor(actor, false)
    const permit = yield* actor.circuit.permit
    if (permit._tag === "Wait") return result()
    yield* Effect.sleep((yield* rateLimitToken(actor)).delay)
    polled += due.length
    changed += yield* Effect.gen(function*() {
      const states = yield* client.statuses(account, due.flatMap((r) => (r.externalId === null ? [] : [r.externalId]))).pipe(
        Effect.tapBoth({
          onFailure: (error) => Effect.zipRight(actor.circuit.recordFailure, credentialsFailed(actor, error, null)),
          onSuccess: () => Effect.zipRight(actor.circuit.recordSuccess, credentialsWorked(actor))
        })
      )
      const byId = new Map(states.map((s) => [s.externalId, s]))
      let applied = 0
      for (const routing of due) {
        const state = byId.get(routing.externalId ?? "")
        if (state === undefined) yield* routings.markPolled([routing.id], yield* now)
        else if (yield* applyState(routing, state)) applied++
      }
      return applied
    }).pipe(withSpanContinuing("poll statuses", null, {
      kind: "internal",
      attributes: { "company.id": actor.companyId, "routings.count": due.length }
    }))
  }
})

/**
 * Polls every open lead of the company now (see `pollCompany`), unless its delivery is paused (`Conflict`) or a 429
 * pause or an open circuit holds its calls back (`Unavailable`, with the wait).
 */
export const pollAllNow = (actor: ActorState) =>
  Effect.gen(function*() {
    if (pausedOf(actor)) {
      return yield* new Conflict({ message: `delivery to company ${actor.companyId} is paused; resume it before polling` })
    }
    const at = yield* Clock.currentTimeMillis
    if (actor.rateLimitedUntil > at) {
      return yield* new Unavailable({
        message: "the company's provider answered 429 (too many requests); polling waits for its pause to end",
        retryAfter: Duration.millis(actor.rateLimitedUntil - at)
      })
    }
    const wait = actor.circuit.waitAt(at)
    if (wait > 0) {
      return yield* new Unavailable({
        message: "the company's circuit is open after failed provider calls; polling waits for its next probe",
        retryAfter: Duration.millis(wait)
      })
    }
    return yield* pollCompany(actor, Duration.zero)
  })
