import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, HashMap, Logger, LogLevel, TestClock } from "effect"
import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { logSlaBreaches, watchSlaBreaches } from "../../programs/sla.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { at, makeCompany } from "../support/fixtures.ts"
import { routedJob } from "../support/sla.ts"

interface Logged {
  readonly level: LogLevel.LogLevel
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

/** A logger that keeps what it is given, to look at afterwards. */
const collectingLogger = (into: Array<Logged>) =>
  Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
    into.push({ level: logLevel, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
  })

describe("SLA breach watcher (TestClock)", () => {
  it.effect("logs each routing not delivered 5 minutes after acceptance once, at warn level, and no other", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const t0 = at(0)
      yield* TestClock.setTime(t0.getTime())
      const [creator, receiver] = [makeCompany(), makeCompany()]
      yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
      const first = yield* routedJob(creator.id, receiver.id, t0, "pending")
      yield* routedJob(creator.id, receiver.id, t0, { deliveredAfterMs: 60_000 })
      yield* routedJob(creator.id, receiver.id, t0, "canceled")
      const later = yield* routedJob(creator.id, receiver.id, new Date(t0.getTime() + 180_000), "retrying")

      const watcher = yield* Effect.fork(watchSlaBreaches)
      yield* TestClock.adjust("5 minutes")
      expect(logs).toEqual([])
      yield* TestClock.adjust("30 seconds")
      expect(logs).toEqual([{
        level: LogLevel.Warning,
        message: ["delivery SLA breached: routing not delivered 5 minutes after it was due"],
        annotations: {
          routing_id: first.routingId,
          company_id: receiver.id,
          job_id: first.job.id,
          sync_status: "pending",
          age_ms: 330_000
        }
      }])
      yield* TestClock.adjust("10 minutes")
      expect(logs.map((l) => [l.annotations["routing_id"], l.annotations["age_ms"], l.annotations["sync_status"]])).toEqual([
        [first.routingId, 330_000, "pending"],
        [later.routingId, 330_000, "retrying"]
      ])
      yield* TestClock.adjust("1 hour")
      expect(logs.length).toBe(2)
      expect(yield* logSlaBreaches()).toBe(0)
      yield* Fiber.interrupt(watcher)
    }).pipe(
      Effect.provide(layerMemory),
      Effect.provide(Logger.replace(Logger.defaultLogger, collectingLogger(logs))),
      Logger.withMinimumLogLevel(LogLevel.Warning)
    )
  })
})
