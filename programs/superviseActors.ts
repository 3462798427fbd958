import { Deferred, Duration, Effect, ExecutionStrategy, Fiber, Ref, Scope } from "effect"
import type { CompanyId } from "../src/domain/ids.ts"
import { supervisorRefresh } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { CompanyRepo, type DeliveryTarget } from "../src/services/Companies.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { consumerSpec } from "./brokerTopology.ts"
import { type ActorSettings, type ActorSettingsCell, makeActorSettings } from "./actorSettings.ts"
import { forgetActor, runCompanyActor } from "./companyActor.ts"

interface RunningActor {
  readonly concurrency: number
  readonly pollInterval: Duration.Duration
  readonly settings: ActorSettingsCell
  readonly stop: Deferred.Deferred<void>
  readonly fiber: Fiber.RuntimeFiber<void, unknown>
}

/** Consumers created at once when many companies appear together (e.g. at start-up). */
const PROVISION_CONCURRENCY = 16

const settingsOf = (target: DeliveryTarget): ActorSettings => ({
  rateLimitPerMinute: target.rateLimitPerMinute,
  paused: target.paused
})

/**
 * Keeps one actor per company with an active provider association: every second it compares the companies' version
 * with the last one seen, and when it moved, starts actors (creating their consumers), updates their settings, restarts
 * those whose concurrency changed, and stops those whose provider went. When its scope closes, every actor finishes the
 * message it holds, within the shutdown timeout.
 */
export const superviseActors = Effect.gen(function*() {
  const companies = yield* CompanyRepo
  const broker = yield* Broker
  const { shutdownTimeout, pollInterval } = yield* DeliverySettings
  const pollIntervalOf = (target: DeliveryTarget) =>
    target.pollIntervalSeconds === null ? pollInterval : Duration.seconds(target.pollIntervalSeconds)
  // Actors live in a scope of their own, closed after the graceful stop below (finalizers run last-in first-out).
  const actorScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
  const actors = new Map<CompanyId, RunningActor>()

  const start = (target: DeliveryTarget) =>
    Effect.gen(function*() {
      yield* broker.ensureConsumer(yield* consumerSpec(target.companyId))
      const settings = yield* makeActorSettings(settingsOf(target))
      const stop = yield* Deferred.make<void>()
      const fiber = yield* runCompanyActor({
        companyId: target.companyId,
        concurrency: target.concurrency,
        settings,
        stop,
        pollInterval: pollIntervalOf(target)
      }).pipe(
        Effect.forkIn(actorScope)
      )
      actors.set(target.companyId, { concurrency: target.concurrency, pollInterval: pollIntervalOf(target), settings, stop, fiber })
      yield* Effect.logInfo("actor started").pipe(Effect.annotateLogs({ company_id: target.companyId }))
    })

  /** Lets the actor finish what it holds (within the shutdown timeout), then ends it. */
  const stopActor = (companyId: CompanyId) =>
    Effect.gen(function*() {
      const actor = actors.get(companyId)
      if (actor === undefined) return
      actors.delete(companyId)
      yield* Deferred.succeed(actor.stop, undefined)
      yield* Fiber.await(actor.fiber).pipe(Effect.timeout(shutdownTimeout), Effect.ignore)
      yield* Fiber.interrupt(actor.fiber)
      yield* forgetActor(companyId)
      yield* Effect.logInfo("actor stopped").pipe(Effect.annotateLogs({ company_id: companyId }))
    })

  const apply = (targets: ReadonlyArray<DeliveryTarget>) =>
    Effect.gen(function*() {
      const wanted = new Map(targets.map((t) => [t.companyId, t]))
      yield* Effect.forEach([...actors.keys()].filter((id) => !wanted.has(id)), stopActor, { concurrency: "unbounded" })
      yield* Effect.forEach(targets, (target) => {
        const running = actors.get(target.companyId)
        if (running === undefined) return start(target)
        if (running.concurrency !== target.concurrency || !Duration.equals(running.pollInterval, pollIntervalOf(target))) {
          return Effect.zipRight(stopActor(target.companyId), start(target))
        }
        return running.settings.set(settingsOf(target))
      }, { concurrency: PROVISION_CONCURRENCY, discard: true })
    })

  yield* Effect.addFinalizer(() =>
    Effect.forEach([...actors.keys()], stopActor, { concurrency: "unbounded", discard: true }).pipe(
      Effect.zipRight(Effect.logInfo("actors stopped")),
      Effect.withSpan("Actors.stopAll")
    )
  )

  const seen = yield* Ref.make<string | null>(null)
  const refresh = Effect.gen(function*() {
    const version = yield* companies.version
    if ((yield* Ref.get(seen)) === version) return
    yield* apply(yield* companies.deliveryTargets)
    yield* Ref.set(seen, version)
  }).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("actor supervision failed; trying again").pipe(Effect.annotateLogs("error", error.message))
    )
  )
  yield* Effect.repeat(refresh, supervisorRefresh)
})
