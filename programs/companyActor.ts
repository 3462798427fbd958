import { Clock, Deferred, Duration, Effect, Ref } from "effect"
import * as CircuitBreaker from "../src/CircuitBreaker.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { brokerRetry, circuitCooldown, statusPoll } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { WorkerRegistry } from "../src/services/Workers.ts"
import type { ActorSettingsCell } from "./actorSettings.ts"
import { currentTopology } from "./brokerTopology.ts"
import { type CompanyLane, deliverRouting } from "./deliverRouting.ts"
import { processInTrace } from "./messageSpans.ts"
import { pollCompany } from "./pollStatuses.ts"

/**
 * A pull waits this long for a message. A pause or stop abandons it at once, and the circuit and the provider's 429
 * pause change only through this actor's own deliveries, so a long wait delays nothing; a short one made idle companies
 * poll NATS (at 5 s, 1,000 idle companies cost 64 % of a core; at 30 s, 3 %: `npm run bench:scale`).
 */
const PULL_WAIT = Duration.seconds(30)

/** While paused by an operator, a worker looks again this often. */
const PAUSED_POLL = Duration.seconds(1)

/**
 * One company's actor: `concurrency` workers pull from the company's consumer one message each and deliver it. They
 * stop pulling (rather than nak) while the company is paused, the provider asked to slow down, or the circuit is open;
 * a pause or `stop` abandons a pull under way. When `stop` completes, each worker finishes the message it holds and
 * returns.
 */
export const runCompanyActor = Effect.fn("Actor.run")(function*(options: {
  readonly companyId: CompanyId
  readonly concurrency: number
  readonly settings: ActorSettingsCell
  readonly stop: Deferred.Deferred<void>
  /** How often the company's delivered leads are polled for their status. */
  readonly pollInterval: Duration.Duration
}) {
  const broker = yield* Broker
  const registry = yield* WorkerRegistry
  const delivery = yield* DeliverySettings
  const names = yield* currentTopology
  const consumer = names.consumerName(options.companyId)
  const circuit = yield* CircuitBreaker.make({
    threshold: delivery.circuitThreshold,
    cooldown: circuitCooldown(delivery.circuitCooldown)
  })
  const lane: CompanyLane = {
    companyId: options.companyId,
    circuit,
    rateLimitedUntil: yield* Ref.make(0),
    rateLimitPerMinute: Effect.map(options.settings.get, (s) => s.rateLimitPerMinute)
  }
  yield* registry.set({
    companyId: options.companyId,
    consumer,
    paused: (yield* options.settings.get).paused,
    rateLimitedUntil: null,
    inFlight: 0,
    circuit: "closed",
    tokens: null,
    lastError: null
  })

  /** Zero when the worker may pull now, else how long to wait first. */
  const holdOff = Effect.gen(function*() {
    const settings = yield* options.settings.get
    const pausedUntil = yield* Ref.get(lane.rateLimitedUntil)
    const nowMs = yield* Clock.currentTimeMillis
    const state = yield* circuit.state
    yield* registry.update(options.companyId, (s) => ({
      ...s,
      paused: settings.paused,
      circuit: state,
      rateLimitedUntil: pausedUntil > nowMs ? new Date(pausedUntil) : null
    }))
    if (settings.paused) return PAUSED_POLL
    if (pausedUntil > nowMs) return Duration.millis(pausedUntil - nowMs)
    return yield* circuit.waitTime
  })

  const deliverOne = (message: Parameters<typeof deliverRouting>[0]) =>
    registry.update(options.companyId, (s) => ({ ...s, inFlight: s.inFlight + 1 })).pipe(
      Effect.zipRight(deliverRouting(message, lane)),
      Effect.catchAll((error) =>
        Effect.logError("delivery interrupted by an infrastructure error; redelivered later").pipe(
          Effect.annotateLogs({ company_id: options.companyId, error: error.message }),
          Effect.zipRight(Effect.ignore(message.nak(Duration.seconds(5))))
        )
      ),
      Effect.ensuring(registry.update(options.companyId, (s) => ({ ...s, inFlight: s.inFlight - 1 }))),
      processInTrace(message, { stream: names.workStream, name: consumer })
    )

  const worker = Effect.gen(function*() {
    while (!(yield* Deferred.isDone(options.stop))) {
      const wait = yield* holdOff
      if (Duration.greaterThan(wait, Duration.zero)) {
        yield* Effect.raceFirst(Effect.sleep(wait), Deferred.await(options.stop))
        continue
      }
      const messages = yield* Effect.raceFirst(
        broker.fetch(names.workStream, consumer, { max: 1, expires: PULL_WAIT }),
        Effect.as(Effect.race(Deferred.await(options.stop), options.settings.paused), [])
      ).pipe(
        Effect.tapError((error) => registry.update(options.companyId, (s) => ({ ...s, lastError: error.message }))),
        Effect.retry(brokerRetry)
      )
      for (const message of messages) yield* deliverOne(message)
    }
  })

  /**
   * Status polling, after deliveries: a round is skipped while the company is paused or slowed down by its provider,
   * or while deliveries wait in its queue; each batch of a round takes a rate-limit token and goes through the circuit.
   */
  const pollRound = Effect.gen(function*() {
    const settings = yield* options.settings.get
    const pausedUntil = yield* Ref.get(lane.rateLimitedUntil)
    if (settings.paused || pausedUntil > (yield* Clock.currentTimeMillis)) return
    const queue = yield* broker.consumerState(names.workStream, consumer)
    if (queue._tag === "Some" && queue.value.pending + queue.value.ackPending > 0) return
    yield* pollCompany(lane, options.pollInterval)
  }).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("status poll failed; trying again next round").pipe(
        Effect.annotateLogs({ company_id: options.companyId, error: error.message })
      )
    )
  )
  const poller = Effect.raceFirst(Effect.repeat(pollRound, statusPoll(options.pollInterval)), Deferred.await(options.stop))

  yield* Effect.all([
    ...Array.from({ length: options.concurrency }, () => worker),
    poller
  ], { concurrency: "unbounded", discard: true })
})

/** The registry entry of a company this process no longer runs an actor for. */
export const forgetActor = (companyId: CompanyId) => Effect.flatMap(WorkerRegistry, (r) => r.remove(companyId))
