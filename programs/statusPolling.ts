import { Clock, Duration, Effect } from "effect"
import { Unavailable } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { dueBefore, freshFor, type PollPlan, pollPlanOf } from "../src/domain/pollSchedule.ts"
import { dailyAt, nextStatusPoll, pollRefusedRetry, supervisorRefresh } from "../src/Schedules.ts"
import type { DeliveryTarget } from "../src/services/Companies.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { StatusPolls } from "../src/services/StatusPolls.ts"
import { DeliveryDirectory } from "../src/services/Actors.ts"
import type { CompanyActor } from "./companyActor.ts"

/** Companies polled at once by the daily reconciliation (each through its own actor, under its own rate limit). */
const RECONCILE_CONCURRENCY = 4

/** What status polling needs of the delivery runtime it runs in. */
export interface PollingRuntime {
  /** The company's actor, made when it has none. */
  readonly actorOf: (companyId: CompanyId) => Effect.Effect<CompanyActor>
  readonly hasActor: (companyId: CompanyId) => boolean
  /** Whether this replica holds the company's partition (only its owner's actor polls it). */
  readonly holds: (companyId: CompanyId) => boolean
  /** True once the runtime stops. */
  readonly stopping: () => boolean
}

/**
 * Status polling for the companies of the partitions this replica holds, until the scope closes:
 * - each company is polled on its own plan (`pollPlanOf`: its cron schedule in its time zone, else its interval, else
 *   `POLL_INTERVAL_SECONDS`), the fleet known at start-up spread over its intervals; a company without an actor gets
 *   one only when it has leads to poll (one statement a round finds them among the companies due);
 * - every day at `RECONCILE_ALL_AT` (UTC) every open lead of every company not paused is polled, whenever it was last;
 * - polls asked for now (`StatusPolls.pollNow`) go to the company's actor here, or are refused with `Unavailable` when
 *   another replica holds its partition.
 */
export const startStatusPolling = (runtime: PollingRuntime) =>
  Effect.gen(function*() {
    const directory = yield* DeliveryDirectory
    const settings = yield* DeliverySettings
    const routings = yield* RoutingRepo
    const planOf = (target: DeliveryTarget) => pollPlanOf(target, settings.pollInterval)

    /** When each company is next polled, under the plan (by key) that time was worked out for. */
    const nextPoll = new Map<CompanyId, { readonly at: number; readonly key: string }>()
    {
      const start = yield* Clock.currentTimeMillis
      const fleet = yield* directory.all
      for (const [i, target] of fleet.entries()) {
        const plan = planOf(target)
        const at = plan._tag === "Interval"
          ? start + Duration.toMillis(plan.interval) * i / fleet.length
          : yield* nextStatusPoll(plan, start)
        nextPoll.set(target.companyId, { at, key: plan.key })
      }
    }

    /**
     * The company's next poll, worked out again when its plan changed: at once on an interval, else its next cron time.
     * A company first seen now (registered since start-up) has only just got its leads: its first poll is a whole
     * interval away, as a poll at once would spend one of its rate limit's calls on leads delivered a moment ago.
     */
    const dueAt = (companyId: CompanyId, plan: PollPlan, now: number) =>
      Effect.gen(function*() {
        const next = nextPoll.get(companyId)
        if (next !== undefined && next.key === plan.key) return next.at
        const at = plan._tag !== "Interval"
          ? yield* nextStatusPoll(plan, now)
          : next === undefined
          ? now + Duration.toMillis(plan.interval)
          : now
        nextPoll.set(companyId, { at, key: plan.key })
        return at
      })

    /** Sets the company's next poll to its plan's next time after `now`. */
    const pollAfter = (companyId: CompanyId, plan: PollPlan, now: number) =>
      Effect.map(nextStatusPoll(plan, now), (at) => void nextPoll.set(companyId, { at, key: plan.key }))

    const pollFrom = (target: DeliveryTarget, plan: PollPlan, now: number) =>
      Effect.zipRight(
        pollAfter(target.companyId, plan, now),
        Effect.flatMap(runtime.actorOf(target.companyId), (actor) => actor.poll(freshFor(plan)))
      )

    /**
     * Starts the polls that are due: at once for a company with an actor; for the others, one statement first finds which
     * have leads to poll, and only those get an actor. If that statement fails they stay due, for the next round.
     */
    const startPolls = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const withoutActor: Array<{ readonly target: DeliveryTarget; readonly plan: PollPlan }> = []
      for (const target of yield* directory.all) {
        if (!runtime.holds(target.companyId)) continue
        const plan = planOf(target)
        if ((yield* dueAt(target.companyId, plan, now)) > now) continue
        if (runtime.hasActor(target.companyId)) yield* pollFrom(target, plan, now)
        else withoutActor.push({ target, plan })
      }
      if (withoutActor.length === 0) return
      const toPoll = yield* routings.companiesToPoll(withoutActor.map(({ plan, target }) => ({
        companyId: target.companyId,
        polledBefore: dueBefore(now, freshFor(plan))
      })))
      for (const { plan, target } of withoutActor) {
        if (toPoll.has(target.companyId)) yield* pollFrom(target, plan, now)
        else yield* pollAfter(target.companyId, plan, now)
      }
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("due status polls not started; trying again").pipe(Effect.annotateLogs("error", error.message))
      )
    )

    /**
     * The daily reconciliation: every open lead of every company of this replica's partitions that is not paused, one
     * company after another through its actor (a few at once). A company whose polls are held back (429 pause, open
     * circuit) or fail is logged and left to its schedule.
     */
    const reconcileAll = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const targets = (yield* directory.all).filter((t) => !t.paused && runtime.holds(t.companyId))
      const withLeads = yield* routings.companiesToPoll(
        targets.map((t) => ({ companyId: t.companyId, polledBefore: new Date(now) }))
      )
      let polled = 0
      let changed = 0
      yield* Effect.forEach([...withLeads], (companyId) =>
        Effect.flatMap(runtime.actorOf(companyId), (actor) => actor.pollNow).pipe(
          Effect.tap((result) =>
            Effect.sync(() => {
              polled += result.polled
              changed += result.changed
            })
          ),
          Effect.catchAll((error) =>
            Effect.logWarning("daily status reconciliation skipped a company").pipe(
              Effect.annotateLogs({ company_id: companyId, error: error.message })
            )
          )
        ), { concurrency: RECONCILE_CONCURRENCY, discard: true })
      yield* Effect.logInfo("daily status reconciliation finished").pipe(
        Effect.annotateLogs({ companies: withLeads.size, polled, changed })
      )
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("daily status reconciliation failed; the next one runs tomorrow").pipe(
          Effect.annotateLogs("error", error.message)
        )
      ),
      Effect.withSpan("Polling.reconcileAll")
    )

    yield* (yield* StatusPolls).serve((companyId) =>
      Effect.suspend(() => {
        if (runtime.stopping()) {
          return Effect.fail(
            new Unavailable({ message: "delivery is stopping in this process; try again", retryAfter: pollRefusedRetry })
          )
        }
        if (!runtime.holds(companyId)) {
          return Effect.fail(new Unavailable({
            message: "the company's deliveries run on another replica right now; try again (the next request may reach it)",
            retryAfter: pollRefusedRetry
          }))
        }
        return Effect.flatMap(runtime.actorOf(companyId), (actor) => actor.pollNow)
      })
    )
    yield* Effect.forkScoped(Effect.repeat(startPolls, supervisorRefresh))
    yield* Effect.forkScoped(Effect.schedule(reconcileAll, dailyAt(settings.reconcileAllAt)))
  })
