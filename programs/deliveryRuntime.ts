import { Clock, Deferred, Duration, Effect, ExecutionStrategy, Exit, Fiber, FiberId, Scope, Stream } from "effect"
import { CALL_WINDOW_MS } from "../src/domain/callWindow.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { partitionOf } from "../src/domain/topology.ts"
import { brokerRetry, supervisorRefresh } from "../src/Schedules.ts"
import { Broker, type Delivery } from "../src/services/Broker.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { CircuitStore, type OpenCircuit } from "../src/services/Circuits.ts"
import { CompanyRateLimiter } from "../src/services/CompanyRateLimiter.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { DeliverySettings } from "../src/services/Settings.ts"
import { DeliveryDirectory } from "../src/services/Actors.ts"
import { currentTopology, partitionConsumerSpec } from "./brokerTopology.ts"
import { type CompanyActor, makeCompanyActor } from "./companyActor.ts"
import { groupedDeliveryStorage } from "./deliveryStorage.ts"
import { migrateLegacyWork } from "./migrateLegacyWork.ts"
import { holdPartitions, type OwnedPartitions } from "./partitionOwnership.ts"
import { startStatusPolling } from "./statusPolling.ts"

/** Messages a partition's runner has fetched ahead of handing them on. */
const CONSUME_AHEAD = 128

/** An actor idle for this many rounds of the supervisor in a row is dropped. */
const IDLE_ROUNDS = 30

/** Reads the companies with an active provider into the directory when their version moved; answers the new version. */
const refreshDirectory = (seen: string | null) =>
  Effect.gen(function*() {
    const companies = yield* CompanyRepo
    const directory = yield* DeliveryDirectory
    const version = yield* companies.version
    if (version === seen) return seen
    const generation = yield* directory.generation
    yield* directory.replace(yield* companies.deliveryTargets, generation)
    return version
  })

/**
 * Delivery in this process: one runner per partition of the work stream pulls its messages in batches and hands each to
 * its company's actor, made on the company's first message (or status poll, see `startStatusPolling`) and dropped after
 * a while idle, so an idle fleet costs nothing and start-up creates a fixed number of consumers. The directory of
 * companies and their delivery settings is read before anything runs (this answers once it is, and everything runs) and
 * again whenever the companies' version moves. When the scope closes the runners stop pulling first, then every actor finishes what it has in flight,
 * within the shutdown timeout.
 */
export const startDelivery = Effect.gen(function*() {
  const broker = yield* Broker
  const directory = yield* DeliveryDirectory
  const settings = yield* DeliverySettings
  const routings = yield* RoutingRepo
  const limiter = yield* CompanyRateLimiter
  const circuits = yield* CircuitStore
  const names = yield* currentTopology
  const holdLimit = Math.max(1, Math.floor(settings.partitionMaxAckPending / 2))
  // Made before the actors, so that it outlasts them (finalizers run in reverse): their last results are still written.
  const storage = yield* groupedDeliveryStorage
  const actorScope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
  const actors = new Map<CompanyId, Deferred.Deferred<CompanyActor>>()
  const idleRounds = new Map<CompanyId, number>()
  /** Circuits recorded open for companies of partitions taken over, until their actors start from them. */
  const openCircuits = new Map<CompanyId, OpenCircuit>()

  let version = yield* refreshDirectory(null).pipe(
    Effect.tapError((error) => Effect.logWarning("companies not readable yet; retrying").pipe(Effect.annotateLogs("error", error.message))),
    Effect.retry(brokerRetry)
  )

  const refreshLock = yield* Effect.makeSemaphore(1)
  const refresh = Effect.suspend(() => refreshDirectory(version)).pipe(
    Effect.tap((seen) => Effect.sync(() => void (version = seen))),
    Effect.catchAll((error) =>
      Effect.logWarning("company directory not refreshed; trying again").pipe(Effect.annotateLogs("error", error.message))
    ),
    refreshLock.withPermits(1),
    Effect.asVoid,
    Effect.provide(yield* Effect.context<CompanyRepo | DeliveryDirectory>())
  )

  /** The company's actor, made at most once however many callers ask at the same time. */
  const actorOf = (companyId: CompanyId) =>
    Effect.suspend(() => {
      const existing = actors.get(companyId)
      if (existing !== undefined) return Deferred.await(existing)
      const made = Deferred.unsafeMake<CompanyActor>(FiberId.none)
      actors.set(companyId, made)
      const circuitFrom = openCircuits.get(companyId)
      openCircuits.delete(companyId)
      return makeCompanyActor({ companyId, holdLimit, parent: actorScope, refreshDirectory: refresh, storage, owned, circuitFrom }).pipe(
        Effect.tap((actor) => Deferred.succeed(made, actor))
      )
    })

  const dispatch = (message: Delivery) => {
    const companyId = names.companyOfSubject(message.subject)
    if (companyId === null) {
      return Effect.zipRight(
        Effect.logError("work message on an unknown subject; terminated").pipe(Effect.annotateLogs("subject", message.subject)),
        Effect.ignore(message.term("unknown subject"))
      )
    }
    // Fetched just before the partition passed to another replica: back to the broker at once, for it.
    if (owned.leaseOf(partitionOf(companyId, names.partitions)) === undefined) return Effect.ignore(message.nak(Duration.zero))
    return Effect.flatMap(actorOf(companyId as CompanyId), (actor) => actor.offer(message))
  }

  const runPartition = (partition: number) =>
    Effect.gen(function*() {
      yield* broker.ensureConsumer(yield* partitionConsumerSpec(partition))
      yield* broker.consume(names.workStream, names.partitionConsumer(partition), { max: CONSUME_AHEAD }).pipe(
        Stream.runForEach(dispatch)
      )
    }).pipe(
      Effect.tapError((error) =>
        Effect.logWarning("partition runner failed; pulling again").pipe(Effect.annotateLogs({ partition, error: error.message }))
      ),
      Effect.retry(brokerRetry),
      Effect.forever
    )

  /**
   * Counts, in the rate limits of the companies of `partitions`, their provider calls of the last minute made anywhere
   * (another replica held the partitions, or this process before a restart), so a company's limit holds across the
   * hand-over. Calls still in flight elsewhere are not recorded yet; failing the read, the windows start as they are.
   */
  const countRecentCalls = (partitions: ReadonlySet<number>) =>
    Effect.gen(function*() {
      const since = (yield* Clock.currentTimeMillis) - CALL_WINDOW_MS
      const calls = yield* routings.callsSince(new Date(since))
      const byCompany = new Map<CompanyId, Array<number>>()
      for (const call of calls) {
        if (!partitions.has(partitionOf(call.companyId, names.partitions))) continue
        const times = byCompany.get(call.companyId)
        if (times === undefined) byCompany.set(call.companyId, [call.at.getTime()])
        else times.push(call.at.getTime())
      }
      yield* Effect.forEach(byCompany, ([companyId, times]) => limiter.seed(companyId, times), { discard: true })
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("recent provider calls not read; rate limits start empty").pipe(Effect.annotateLogs("error", error.message))
      )
    )

  /**
   * Reads the circuits recorded open for the companies of `partitions`, for their actors to start from (another replica
   * held the partitions, or this process before a restart), in place of what was read when this process held them
   * before; failing the read, the circuits start closed.
   */
  const readOpenCircuits = (partitions: ReadonlySet<number>) =>
    Effect.gen(function*() {
      const recorded = yield* circuits.open
      const inPartitions = (companyId: CompanyId) => partitions.has(partitionOf(companyId, names.partitions))
      for (const companyId of openCircuits.keys()) if (inPartitions(companyId)) openCircuits.delete(companyId)
      for (const circuit of recorded) if (inPartitions(circuit.companyId)) openCircuits.set(circuit.companyId, circuit)
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("open circuits not read; circuits start closed").pipe(Effect.annotateLogs("error", error.message))
      )
    )

  /** Partition runners by partition, for the partitions this replica holds. */
  const runners = new Map<number, Fiber.RuntimeFiber<unknown, unknown>>()
  let stopping = false

  /**
   * A partition passed to another replica (or is about to): its runner stops pulling at once, its companies' actors
   * hand their held messages back and finish what is in flight, and then the lease is given up, if asked.
   */
  const leave = (partition: number, handOver: Effect.Effect<void> | undefined) =>
    Effect.gen(function*() {
      const runner = runners.get(partition)
      runners.delete(partition)
      if (runner !== undefined) yield* Fiber.interrupt(runner)
      const companies = [...actors.keys()].filter((id) => partitionOf(id, names.partitions) === partition)
      yield* Effect.forEach(companies, stopActor, { concurrency: "unbounded", discard: true }).pipe(
        Effect.zipRight(handOver ?? Effect.void),
        Effect.forkIn(actorScope)
      )
    })

  const stopActor = (companyId: CompanyId) =>
    Effect.gen(function*() {
      const made = actors.get(companyId)
      actors.delete(companyId)
      idleRounds.delete(companyId)
      const actor = made === undefined ? undefined : yield* Deferred.poll(made)
      if (actor !== undefined && actor._tag === "Some") yield* Effect.flatMap(actor.value, (a) => a.stop(settings.shutdownTimeout))
    })

  /** Drops actors idle for a while. */
  const sweepIdle = Effect.suspend(() => Effect.forEach([...actors], ([companyId, made]) =>
    Effect.gen(function*() {
      const actor = yield* Deferred.poll(made)
      if (actor._tag === "None") return
      if (!(yield* Effect.flatMap(actor.value, (a) => a.idle))) return void idleRounds.delete(companyId)
      const rounds = (idleRounds.get(companyId) ?? 0) + 1
      idleRounds.set(companyId, rounds)
      if (rounds >= IDLE_ROUNDS) yield* stopActor(companyId)
    }), { discard: true }))

  const runnerContext = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof runPartition>>>()
  // Made before the actors' finalizer, so that the leases are renewed while the actors finish, and given up after.
  const owned: OwnedPartitions = yield* holdPartitions({
    gained: (leases) =>
      Effect.zipRight(
        Effect.suspend(() => {
          const partitions = new Set(leases.map((lease) => lease.partition))
          return Effect.all([countRecentCalls(partitions), readOpenCircuits(partitions)], { concurrency: 2, discard: true })
        }),
        Effect.forEach(leases, (lease) =>
          Effect.suspend(() =>
            stopping || runners.has(lease.partition)
              ? Effect.void
              : Effect.forkIn(runPartition(lease.partition), actorScope).pipe(
                Effect.map((fiber) => void runners.set(lease.partition, fiber)),
                Effect.provide(runnerContext)
              )
          ), { discard: true })
      ),
    lost: leave
  })

  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      stopping = true
      return Effect.forEach([...runners.values()], Fiber.interrupt, { discard: true })
    }).pipe(
      Effect.zipRight(Effect.forEach([...actors.keys()], stopActor, { concurrency: "unbounded", discard: true })),
      Effect.zipRight(Scope.close(actorScope, Exit.void)),
      Effect.zipRight(Effect.logInfo("actors stopped")),
      Effect.withSpan("Actors.stopAll")
    )
  )

  yield* Effect.forkScoped(Effect.repeat(refresh, supervisorRefresh))
  yield* Effect.forkScoped(Effect.repeat(Effect.all([sweepIdle, limiter.sweep], { discard: true }), supervisorRefresh))
  const actorContext = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof actorOf>>>()
  yield* startStatusPolling({
    actorOf: (companyId) => Effect.provide(actorOf(companyId), actorContext),
    hasActor: (companyId) => actors.has(companyId),
    holds: (companyId) => owned.leaseOf(partitionOf(companyId, names.partitions)) !== undefined,
    stopping: () => stopping
  })
  yield* Effect.forkScoped(migrateLegacyWork)
  yield* Effect.logInfo("delivery running").pipe(
    Effect.annotateLogs({ partitions: names.partitions, held: runners.size, companies: (yield* directory.all).length })
  )
})
