import { Clock, Deferred, Duration, Effect, ExecutionStrategy, Exit, FiberId, Option, Scope } from "effect"
import { Unavailable } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { PriorityTurns } from "../src/domain/priorityTurns.ts"
import { partitionOf } from "../src/domain/topology.ts"
import { circuitCooldown, infrastructureRedelivery, parkedRecheck, pollRefusedRetry } from "../src/Schedules.ts"
import type { Delivery } from "../src/services/Broker.ts"
import { CircuitBreakers } from "../src/services/CircuitBreaker.ts"
import type { OpenCircuit } from "../src/services/Circuits.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import type { PollNowError, PollResult } from "../src/services/StatusPolls.ts"
import type { StorageError } from "../src/services/StorageError.ts"
import { DeliveryDirectory, ActorRegistry } from "../src/services/Actors.ts"
import { currentTopology } from "./brokerTopology.ts"
import { circuitClosed, circuitOpened } from "./circuitAlerts.ts"
import { type ActorState, decodeHeld, type HeldMessage, pausedOf } from "./actorState.ts"
import { deliverBatch } from "./deliverRouting.ts"
import { keepAllAlive } from "./keepAlive.ts"
import type { DeliveryStorage } from "./deliveryStorage.ts"
import type { OwnedPartitions } from "./partitionOwnership.ts"
import { processInTrace } from "./messageSpans.ts"
import { pollAllNow, pollCompany } from "./pollStatuses.ts"
import { requeueCompany } from "./requeue.ts"

/** Messages delivered in one batch at most. */
const BATCH_MAX = 64

/** One company's actor in this process, made on its first message or status poll and dropped when idle. */
export interface CompanyActor {
  readonly companyId: CompanyId
  /**
   * Takes a message of the company's: held until a batch takes it, or parked when too many are held already (unless a
   * lower priority's is held: that one is parked instead).
   */
  readonly offer: (message: Delivery) => Effect.Effect<void>
  /**
   * Polls, in the background, the company's delivered leads not polled for `fresh` (zero: all), unless deliveries wait
   * or a poll runs or waits already.
   */
  readonly poll: (fresh: Duration.Duration) => Effect.Effect<void>
  /**
   * Polls every open lead of the company now, after a poll that runs already, and answers what it did. Refused with
   * `Conflict` while the company is paused, with `Unavailable` (and how long to wait) while a 429 pause or an open
   * circuit holds its calls back, or while the actor stops.
   */
  readonly pollNow: Effect.Effect<PollResult, PollNowError>
  /**
   * True when it holds nothing, runs nothing, has nothing parked, and its circuit (no failure counted) and 429 pause
   * are clear: dropping it then forgets nothing.
   */
  readonly idle: Effect.Effect<boolean>
  /** Lets the deliveries in flight finish (within `timeout`), hands the held messages back to the broker, and ends. */
  readonly stop: (timeout: Duration.Duration) => Effect.Effect<void>
}

/**
 * Makes a company's actor in `parent`. Its messages are held (kept alive at the broker) up to `holdLimit`, in turns by
 * priority (see `PriorityTurns`), and delivered in batches, one batch at a time, with up to the company's `concurrency`
 * provider calls at once inside it. A message beyond that, or one for a company
 * that has no active provider or is paused, is parked: acknowledged unworked, its routing left waiting in storage, and
 * the company's waiting routings are queued again once it can take them (nothing held, an active provider, no pause).
 * The circuit, the provider's 429 pause and the rate limit are the actor's own, as one actor at a time works for a
 * company.
 */
export const makeCompanyActor = Effect.fn("Actor.make")(function*(options: {
  readonly companyId: CompanyId
  readonly holdLimit: number
  readonly parent: Scope.Scope
  /** Reads the directory again: a message for a company it does not know may come from a change it has not seen yet. */
  readonly refreshDirectory: Effect.Effect<void>
  /** Reads, claims and writes for delivery, shared by every actor (see `groupedDeliveryStorage`). */
  readonly storage: DeliveryStorage
  /** The partitions this replica holds: the company's is the lease its claims are made under. */
  readonly owned: OwnedPartitions
  /** The company's circuit as recorded open elsewhere (another replica, an earlier life): the actor's starts there. */
  readonly circuitFrom?: OpenCircuit | undefined
}) {
  const { companyId, holdLimit } = options
  const settings = yield* DeliverySettings
  const directory = yield* DeliveryDirectory
  const registry = yield* ActorRegistry
  const names = yield* currentTopology
  const partition = partitionOf(companyId, names.partitions)
  const consumer = names.partitionConsumer(partition)
  const scope = yield* Scope.fork(options.parent, ExecutionStrategy.sequential)
  type AlertContext = Effect.Effect.Context<ReturnType<typeof circuitOpened> | ReturnType<typeof circuitClosed>>
  const alertContext = yield* Effect.context<AlertContext>()
  const provideAlerts = <A, E>(effect: Effect.Effect<A, E, AlertContext>) => Effect.provide(effect, alertContext)
  const recorded = (what: string) =>
    Effect.catchAll((error: StorageError) =>
      Effect.logWarning(`circuit ${what} not recorded`).pipe(Effect.annotateLogs({ company_id: companyId, error: error.message }))
    )
  const circuit = yield* (yield* CircuitBreakers).make({
    threshold: settings.circuitThreshold,
    cooldown: circuitCooldown(settings.circuitCooldown),
    initial: options.circuitFrom === undefined
      ? undefined
      : { opened: options.circuitFrom.opened, until: options.circuitFrom.until.getTime() },
    onOpen: (opened, until) =>
      circuitOpened({ companyId, opened, until: new Date(until) }, settings.circuitThreshold).pipe(provideAlerts, recorded("opening")),
    onClose: circuitClosed(companyId).pipe(provideAlerts, recorded("closing"))
  })
  const target = () => directory.get(companyId)
  const actor: ActorState = {
    companyId,
    circuit,
    target,
    directoryRevision: directory.revision,
    rateLimitedUntil: 0,
    tokensLeft: null,
    provider: undefined,
    lastError: null,
    credentials: "unknown",
    partition,
    fence: () => options.owned.leaseOf(partition)
  }

  type PollContext = Effect.Effect.Context<ReturnType<typeof pollCompany>>
  const pollContext = yield* Effect.context<PollContext>()
  const held = new PriorityTurns<HeldMessage>()
  /** The batch being delivered: its messages are in flight. */
  let working: ReadonlyArray<HeldMessage> = []
  /** Polls running or waiting for the one running: one at a time, in `pollLock`. */
  let polls = 0
  const pollLock = yield* Effect.makeSemaphore(1)
  let parked = false
  let stopping = false
  let changed = Deferred.unsafeMake<void>(FiberId.none)
  const wake = () => {
    const previous = changed
    changed = Deferred.unsafeMake<void>(FiberId.none)
    Deferred.unsafeDone(previous, Exit.void)
  }

  yield* registry.register(companyId, (now) => ({
    companyId,
    consumer,
    paused: pausedOf(actor),
    rateLimitedUntil: actor.rateLimitedUntil > now ? new Date(actor.rateLimitedUntil) : null,
    inFlight: working.length,
    held: held.size,
    circuit: circuit.state(),
    tokens: actor.tokensLeft,
    lastError: actor.lastError
  }))

  const park = (message: Delivery) =>
    Effect.suspend(() => {
      if (!parked) {
        parked = true
        return Effect.zipRight(message.ack, Effect.logInfo("company cannot take its work now; parked").pipe(Effect.annotateLogs("company_id", companyId)))
      }
      return message.ack
    }).pipe(Effect.ignore)

  const trace = (message: Delivery) => processInTrace(message, { stream: names.workStream, name: consumer })

  /**
   * One batch of held messages; what it did not start (it ended early, or a 429's messages and those after them, to go
   * after the pause) is held again ahead of the others.
   */
  const deliver = (batch: ReadonlyArray<HeldMessage>) =>
    deliverBatch(batch, actor, held, trace, () => stopping, options.storage).pipe(
      Effect.tap(({ again, parked: found }) =>
        Effect.suspend(() => {
          if (found) parked = true
          if (!stopping) return Effect.sync(() => held.returnFront(again))
          return Effect.forEach(again, (h) => Effect.ignore(h.message.nak(Duration.zero)), { discard: true })
        })
      ),
      Effect.catchAll((error) =>
        Effect.logError("delivery interrupted by an infrastructure error; redelivered later").pipe(
          Effect.annotateLogs({ company_id: companyId, error: error.message }),
          Effect.zipRight(Effect.forEach(batch, (h) => Effect.ignore(h.message.nak(infrastructureRedelivery)), { discard: true }))
        )
      ),
      Effect.ensuring(Effect.sync(() => {
        held.endBatch()
        working = []
        wake()
      }))
    )

  /** The company's waiting routings go back to the queue once it can take them again. */
  const unpark = Effect.gen(function*() {
    const now = target()
    if (!parked || held.size > 0 || working.length > 0 || now === undefined || now.paused) return
    parked = false
    const queued = yield* requeueCompany(companyId).pipe(
      Effect.tapError(() => Effect.sync(() => void (parked = true))),
      Effect.catchAll((error) =>
        Effect.logWarning("parked routings not queued again yet").pipe(Effect.annotateLogs({ company_id: companyId, error: error.message }), Effect.as(0))
      )
    )
    if (queued > 0) yield* Effect.logInfo("parked routings queued again").pipe(Effect.annotateLogs({ company_id: companyId, routings: queued }))
  })

  /**
   * Hands the held messages, up to `BATCH_MAX` in turn order, to one batch at a time (the company's concurrency bounds
   * its provider calls inside the batch); parks them when the company cannot take them.
   */
  const dispatch = Effect.gen(function*() {
    while (!stopping) {
      const signal = changed
      let now = target()
      if (now === undefined && held.size > 0) {
        yield* options.refreshDirectory
        now = target()
      }
      if (now === undefined) {
        for (const h of held.drain()) yield* park(h.message)
      } else if (working.length === 0 && held.size > 0) {
        const batch = held.take(BATCH_MAX)
        working = batch
        // In this fiber: the loop has nothing else to do meanwhile (an offer holds or parks a message on its own).
        yield* deliver(batch)
      }
      yield* unpark
      yield* parked ? Effect.raceFirst(Deferred.await(signal), Effect.sleep(parkedRecheck)) : Deferred.await(signal)
    }
  })

  yield* Effect.forkIn(dispatch, scope)
  // Held messages wait for their batch, a batch's for their chunk and their call: all are kept alive at the broker.
  yield* Effect.forkIn(keepAllAlive(() => [...held.items(), ...working].map((h) => h.message)), scope)

  /** Runs `poll` after the polls before it; the caller counted it in `polls`, and it is uncounted once it ends. */
  const inTurn = <A, E>(poll: Effect.Effect<A, E, PollContext>) =>
    pollLock.withPermits(1)(Effect.provide(poll, pollContext)).pipe(
      Effect.ensuring(Effect.sync(() => {
        polls--
        wake()
      }))
    )

  const pollRound = (fresh: Duration.Duration) =>
    Effect.gen(function*() {
      if (pausedOf(actor) || actor.rateLimitedUntil > (yield* Clock.currentTimeMillis)) return
      yield* pollCompany(actor, fresh)
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("status poll failed; trying again next round").pipe(
          Effect.annotateLogs({ company_id: companyId, error: error.message })
        )
      )
    )

  const pollNow = Effect.suspend(() =>
    stopping
      ? Effect.fail(new Unavailable({ message: "the company's actor is stopping; try again", retryAfter: pollRefusedRetry }))
      : pollAllNow(actor)
  )

  return {
    companyId,
    offer: (message) =>
      Effect.suspend(() => {
        if (stopping) return Effect.ignore(message.nak(Duration.zero))
        const decoded = decodeHeld(message, companyId)
        if (Option.isNone(decoded)) {
          return Effect.logError("malformed delivery message; terminated").pipe(
            Effect.annotateLogs("subject", message.subject),
            Effect.zipRight(Effect.ignore(message.term("malformed delivery message")))
          )
        }
        // Full: the newest of a lower priority makes room, else the message itself is parked.
        const evicted = held.size >= holdLimit ? held.evictBelow(decoded.value.priority) : undefined
        if (held.size >= holdLimit) return park(message)
        held.push(decoded.value)
        wake()
        return evicted === undefined ? Effect.void : park(evicted.message)
      }),
    poll: (fresh) =>
      Effect.suspend(() => {
        if (stopping || polls > 0 || held.size > 0 || working.length > 0) return Effect.void
        polls++
        return Effect.asVoid(Effect.forkIn(inTurn(pollRound(fresh)), scope))
      }),
    pollNow: Effect.suspend(() => {
      polls++
      return inTurn(pollNow)
    }),
    idle: Effect.gen(function*() {
      if (held.size > 0 || working.length > 0 || polls > 0 || parked) return false
      return actor.rateLimitedUntil <= (yield* Clock.currentTimeMillis) && circuit.clear()
    }),
    stop: (timeout) =>
      Effect.gen(function*() {
        stopping = true
        wake()
        const handBack = held.drain()
        yield* Effect.forEach(handBack, (h) => Effect.ignore(h.message.nak(Duration.zero)), { discard: true })
        // Interruptible: stop runs in finalizers, where the timeout could not otherwise cut the wait short.
        yield* Effect.gen(function*() {
          while (working.length > 0) yield* Deferred.await(changed)
        }).pipe(Effect.interruptible, Effect.timeout(timeout), Effect.ignore)
        yield* Scope.close(scope, Exit.void)
        yield* registry.remove(companyId)
      })
  } satisfies CompanyActor
})
