import { Chunk, Duration, Effect, Option, Schedule, ScheduleDecision, ScheduleIntervals } from "effect"
import type { PollPlan } from "./domain/pollSchedule.ts"

/**
 * While the database is not reachable at start-up (e.g. a container still starting): retry with backoff from 0.2 s,
 * capped at 5 s per wait, for about a minute in all.
 */
export const startupConnectRetry = Schedule.exponential("200 millis").pipe(
  Schedule.union(Schedule.spaced("5 seconds")),
  Schedule.intersect(Schedule.recurs(15))
)

/**
 * Waits between delivery attempts, a routing's to its provider (`RETRY_BASE_SECONDS`, `RETRY_MAX_DELAY_SECONDS`) as a
 * webhook's to its subscriber (1 hour at most by default): from `base`, doubling, ±25 % jitter, capped at `max`.
 */
export const attemptBackoff = (base: Duration.Duration, max: Duration.Duration) =>
  Schedule.exponential(base, 2).pipe(
    Schedule.jitteredWith({ min: 0.75, max: 1.25 }),
    Schedule.modifyDelay((_, delay) => Duration.min(delay, max))
  )

/**
 * Tries again a write of delivery results that failed (the database away for a moment): from 100 ms, doubling, capped
 * at 2 s, for as long as `within` allows (the claims' leases: past them the routings are another actor's to take).
 */
export const resultWriteRetry = (within: Duration.Duration) =>
  Schedule.exponential("100 millis", 2).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.seconds(2))),
    Schedule.upTo(within)
  )

/** Waits before successive half-open probes of an open circuit: from `cooldown`, doubling, capped at 5 minutes. */
export const circuitCooldown = (cooldown: Duration.Duration) =>
  Schedule.exponential(cooldown, 2).pipe(Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.minutes(5))))

/** While another call probes a half-open circuit, the others look again after this long. */
export const circuitProbeWait = Duration.seconds(1)

/**
 * The longest the outbox relay's timer for held events sleeps before it looks for the next one again: it learns of
 * events written since only from a NOTIFY, which may be lost (or, on PGlite, never come).
 */
export const relayHeldRecheck = Duration.seconds(5)

/** The outbox relay's look for unpublished events when no notification came. */
export const relayPoll = (interval: Duration.Duration) => Schedule.spaced(interval)

/** How often the actor supervisor compares the running actors with the companies. */
export const supervisorRefresh = Schedule.spaced("1 second")

/** How often a replica renews its partition leases and looks whether the replicas' share of partitions changed. */
export const partitionRenewal = (lease: Duration.Duration) => Schedule.spaced(Duration.divide(lease, 3).pipe(Option.getOrElse(() => lease)))

/** How often a replica looks whether a partition lease it could not renew is about to run out. */
export const partitionLeaseWatch = Schedule.spaced("250 millis")

/** How often reconciliation looks for routings that have waited too long. */
export const reconcileEvery = (reconcileAfter: Duration.Duration) =>
  Schedule.spaced(Duration.max(Duration.seconds(1), Duration.divide(reconcileAfter, 4).pipe(Option.getOrElse(() => reconcileAfter))))

/** How often the SLA watcher looks for routings not delivered within the SLA. */
export const slaBreachWatch = Schedule.spaced("30 seconds")

/**
 * How often the alerts watcher resolves the routings' alerts whose cause has passed and announces circuit changes the
 * one-a-minute rule held back.
 */
export const alertWatch = Schedule.spaced("15 seconds")

/** Every day at `at` (UTC), first at the next such time: the archive run (`ARCHIVE_AT`), the polls' reconciliation (`RECONCILE_ALL_AT`). */
export const dailyAt = (at: { readonly hour: number; readonly minute: number }) =>
  Schedule.cron(`${at.minute} ${at.hour} * * *`, "UTC")

/** The retention sweep: every hour, the first an hour after start (so replicas starting together add no load). */
export const retentionSweep = Schedule.spaced("1 hour")

/** How often the webhook sender looks for due deliveries (`WEBHOOK_POLL_SECONDS`, 0.5 s by default). */
export const webhookPoll = (interval: Duration.Duration) => Schedule.spaced(interval)

/** While the events stream cannot be read, the webhook fan-out tries again this often. */
export const webhookFanOutRetry = Schedule.exponential("1 second").pipe(
  Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.seconds(30)))
)

/** A broker operation that failed (e.g. NATS restarting): retried from 0.5 s, capped at 5 s, until it works. */
export const brokerRetry = Schedule.exponential("500 millis").pipe(
  Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.seconds(5)))
)

/** When a company's delivered leads are polled for their status: at its cron schedule's times (in its zone), or spaced by its interval. */
export const statusPoll = (plan: PollPlan): Schedule.Schedule<unknown> =>
  plan._tag === "Cron" ? Schedule.cron(plan.cron) : Schedule.spaced(plan.interval)

/**
 * The time (epoch milliseconds) of the company's next poll after `now` under `plan`: where `statusPoll` would first
 * recur when started at `now`.
 */
export const nextStatusPoll = (plan: PollPlan, now: number): Effect.Effect<number> => {
  const schedule = statusPoll(plan)
  return Effect.map(schedule.step(now, undefined, schedule.initial), ([, , decision]) =>
    ScheduleDecision.isContinue(decision) ? Math.max(now, ScheduleIntervals.start(decision.intervals)) : Number.POSITIVE_INFINITY)
}

/** How often the broker is told a message is still being worked on, while its provider call runs or it waits for a turn. */
export const messageKeepAliveInterval = Duration.seconds(10)

/** While a provider call runs, how often the broker is told its message is still being worked on. */
export const messageKeepAlive = Schedule.spaced(messageKeepAliveInterval)

/** A routing another actor is delivering (its claim's lease still running): its message is looked at again after this long. */
export const leaseBusyRetry = Duration.seconds(5)

/**
 * How long a claim holds a routing: twice the bound on the provider call, plus 5 s, so a live actor never loses its
 * lease.
 */
export const routingLease = (callBound: Duration.Duration) => Duration.sum(Duration.times(callBound, 2), Duration.seconds(5))

/** A batch interrupted by an infrastructure error (database or broker away): its messages are redelivered after this long. */
export const infrastructureRedelivery = Duration.seconds(5)

/** While it has parked work, a company's actor looks this often whether the company can take it again. */
export const parkedRecheck = Duration.seconds(1)

/**
 * The wait a refused status poll asks for: the company's actor is stopping, or its partition is another replica's,
 * or delivery stops in this process.
 */
export const pollRefusedRetry = Duration.seconds(1)

/** How long one pull of the events stream by the webhook fan-out waits for messages. */
export const webhookFetchWait = Duration.seconds(5)

/** How long one pull of the legacy work subjects waits for messages while they are moved to the partitions. */
export const legacyDrainFetchWait = Duration.seconds(1)

/**
 * A work message is acknowledged within this long, or redelivered: two provider timeouts and room for the writes (the
 * partition consumers' ack wait).
 */
export const workAckWait = (providerTimeout: Duration.Duration) => Duration.sum(Duration.times(providerTimeout, 2), Duration.seconds(10))

/** The ack wait of the consumers that only write what they take (the webhook fan-out, the legacy drain). */
export const writeAckWait = Duration.seconds(30)

/** Delivery results of calls that started this long ago are written before the batch goes on. */
export const resultFlushAfter = Duration.millis(50)

/** A dependency that does not answer a health probe within this time counts as down. */
export const healthProbeTimeout = Duration.seconds(2)

/** How long a claim holds a webhook delivery: twice the webhook timeout, plus 10 s. */
export const webhookLease = (timeout: Duration.Duration) => Duration.sum(Duration.times(timeout, 2), Duration.seconds(10))

/** While the HTTP server shuts down, how often it closes the connections that have become idle. */
export const idleConnectionSweep = Schedule.spaced("100 millis")

/** A provider read or token request that failed transiently: tried twice more, from 200 ms, doubling, with jitter. */
export const providerTransientRetry = Schedule.exponential("200 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(2))
)

/**
 * The `n`-th wait of a schedule (n from 1): the delay it would wait after its n-th recurrence. Jitter draws from
 * `Random`, so `TestRandom` makes it repeatable.
 */
export const nthDelay = <Out, R>(schedule: Schedule.Schedule<Out, unknown, R>, n: number) =>
  Effect.flatMap(
    Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: Math.max(1, n) }, () => undefined)),
    (delays) => Effect.succeed(Option.getOrElse(Chunk.last(delays), () => Duration.zero))
  )
