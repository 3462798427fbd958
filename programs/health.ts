import { Clock, Duration, Effect, Either } from "effect"
import { healthProbeTimeout } from "../src/Schedules.ts"
import { Broker } from "../src/services/Broker.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { ActorRegistry } from "../src/services/Actors.ts"
import { type HealthProbe, HealthProbes } from "../src/services/Health.ts"

export interface ComponentHealth {
  readonly name: string
  /** `down`: a dependency does not answer (not ready); `degraded`: working, but behind or holding back. */
  readonly status: "ok" | "degraded" | "down"
  readonly latencyMs: number
  readonly error: string | null
}

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "object" && error !== null && "_tag" in error
  ? String(error._tag)
  : String(error)

/** Checks every dependency at once and says how each answered. */
export const checkHealth = Effect.fn("Health.check")(function*() {
  const probes = yield* HealthProbes
  return yield* Effect.forEach(probes, (probe) =>
    probe.check.pipe(
      Effect.timeoutFail({
        duration: healthProbeTimeout,
        onTimeout: () => new Error(`no answer within ${Duration.format(healthProbeTimeout)}`)
      }),
      Effect.either,
      Effect.timed,
      Effect.map(([elapsed, result]): ComponentHealth => ({
        name: probe.name,
        status: Either.isRight(result) ? "ok" : "down",
        latencyMs: Math.round(Duration.toMillis(elapsed) * 100) / 100,
        error: Either.isLeft(result) ? describe(result.left) : null
      }))
    ), { concurrency: "unbounded" })
})

/** Readiness depends on the broker answering a ping. */
export const brokerProbe: Effect.Effect<HealthProbe, never, Broker> = Effect.map(Broker, (broker) => ({
  name: "broker",
  check: broker.ping
}))

/** Events waiting in the outbox longer than this mean the relay is behind. */
const OUTBOX_LAG_LIMIT = Duration.seconds(30)

/**
 * Everything `/health/detailed` shows: the dependencies, the outbox's lag, the actors running here, and the circuit of
 * each company's provider (degraded while open or half-open).
 */
export const checkDetailed = Effect.fn("Health.detailed")(function*() {
  const dependencies = yield* checkHealth()
  const nowMs = yield* Clock.currentTimeMillis
  const [elapsed, backlog] = yield* Effect.timed(Effect.either((yield* OutboxRepo).backlog(new Date(nowMs))))
  const latencyMs = Math.round(Duration.toMillis(elapsed) * 100) / 100
  const outbox: ComponentHealth = Either.match(backlog, {
    onLeft: (error) => ({ name: "outbox", status: "down", latencyMs, error: error.message }),
    onRight: ({ oldestDueAt, pending }) => {
      const lagMs = oldestDueAt === null ? 0 : nowMs - oldestDueAt.getTime()
      return {
        name: "outbox",
        status: lagMs > Duration.toMillis(OUTBOX_LAG_LIMIT) ? "degraded" : "ok",
        latencyMs,
        error: pending === 0 ? null : `${pending} events waiting, the oldest for ${Math.round(lagMs / 1000)} s`
      }
    }
  })
  const running = yield* (yield* ActorRegistry).all
  const actors: ComponentHealth = { name: "actors", status: "ok", latencyMs: 0, error: `${running.length} running in this process` }
  const circuits = running.map((actor): ComponentHealth => ({
    name: `circuit:${actor.companyId}`,
    status: actor.circuit === "closed" ? "ok" : "degraded",
    latencyMs: 0,
    error: actor.circuit === "closed" ? null : `circuit ${actor.circuit}${actor.lastError === null ? "" : `: ${actor.lastError}`}`
  }))
  return [...dependencies, outbox, actors, ...circuits]
})
