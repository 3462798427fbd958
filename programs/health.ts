import { Duration, Effect, Either } from "effect"
import { Broker } from "../src/services/Broker.ts"
import { type HealthProbe, HealthProbes } from "../src/services/Health.ts"

export interface ComponentHealth {
  readonly name: string
  readonly status: "ok" | "down"
  readonly latencyMs: number
  readonly error: string | null
}

/** A dependency that does not answer within this time counts as down. */
const PROBE_TIMEOUT = Duration.seconds(2)

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "object" && error !== null && "_tag" in error
  ? String(error._tag)
  : String(error)

/** Checks every dependency at once and says how each answered. */
export const checkHealth = Effect.fn("Health.check")(function*() {
  const probes = yield* HealthProbes
  return yield* Effect.forEach(probes, (probe) =>
    probe.check.pipe(
      Effect.timeoutFail({ duration: PROBE_TIMEOUT, onTimeout: () => new Error(`no answer within ${Duration.format(PROBE_TIMEOUT)}`) }),
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
