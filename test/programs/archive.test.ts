import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Fiber, HashMap, Layer, Logger, LogLevel, Option, TestClock } from "effect"
import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { archiveOnce, archiveSchedule } from "../../programs/archive.ts"
import { appConfig } from "../../src/AppConfig.ts"
import { formatConfigError } from "../../src/Config.ts"
import { EventId } from "../../src/domain/ids.ts"
import type { Job } from "../../src/domain/job.ts"
import { ArchiveRepo } from "../../src/services/Archive.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { ArchiveSettings } from "../../src/services/Settings.ts"
import { makeCompany, makeJob, uuid } from "../support/fixtures.ts"

const DAY = 86_400_000
const HOUR = 3_600_000
/** The test clock starts here: a midnight, UTC. */
const T0 = Date.UTC(2026, 2, 1)

const layerArchive = (batch: number) =>
  Layer.mergeAll(
    layerMemory,
    Layer.succeed(ArchiveSettings, { after: Duration.days(90), at: { hour: 3, minute: 30 }, batch })
  )

/** A job of a fresh company that reached `status` `ageMs` before the start of the test clock. */
const jobFinished = (ageMs: number, status: Job["status"] = "completed") =>
  Effect.gen(function*() {
    const [creator, receiver] = [makeCompany(), makeCompany()]
    yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
    const changed = new Date(T0 - ageMs)
    const job = makeJob(creator.id, [receiver.id], { createdAt: changed, status })
    yield* (yield* JobRepo).insert([job])
    return job.id
  })

const isLive = (id: Job["id"]) => Effect.flatMap(JobRepo, (jobs) => Effect.map(jobs.get(id), Option.isSome))

describe("archive run", () => {
  it.effect("moves the finished jobs older than 90 days in batches, and the outbox events published over 7 days ago", () => {
    const logs: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
    return Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const old = yield* Effect.forEach(["completed", "canceled", "unmatched", "completed", "canceled"] as const, (status, i) =>
        jobFinished(91 * DAY + i, status))
      const young = yield* jobFinished(89 * DAY)
      const unfinished = yield* jobFinished(200 * DAY, "routed")
      const outbox = yield* OutboxRepo
      const events = Array.from({ length: 3 }, () => ({
        id: EventId.make(uuid()),
        aggregateId: uuid(),
        type: "routing.created",
        payload: {},
        traceparent: null,
        createdAt: new Date(T0 - 30 * DAY)
      }))
      yield* outbox.append(events)
      yield* outbox.markPublished([events[0]!.id], new Date(T0 - 8 * DAY))
      yield* outbox.markPublished([events[1]!.id], new Date(T0 - 6 * DAY))

      expect(yield* archiveOnce()).toEqual({ batches: 3, jobsArchived: 5, outboxDeleted: 1 })
      for (const id of old) expect(yield* isLive(id)).toBe(false)
      for (const id of old) expect(Option.isSome(yield* (yield* ArchiveRepo).findArchivedJob(id))).toBe(true)
      expect(yield* isLive(young)).toBe(true)
      expect(yield* isLive(unfinished)).toBe(true)
      expect((yield* outbox.pending(10)).map((e) => e.id)).toEqual([events[2]!.id])
      expect(logs.map((l) => [l.message, l.annotations["jobs"] ?? l.annotations["jobs_archived"]])).toEqual([
        [["archive batch moved"], 2],
        [["archive batch moved"], 2],
        [["archive batch moved"], 1],
        [["archive run finished"], 5]
      ])
      expect(logs.at(-1)!.annotations).toMatchObject({ batches: 3, outbox_deleted: 1, archived_before: new Date(T0 - 90 * DAY).toISOString() })

      expect(yield* archiveOnce()).toEqual({ batches: 0, jobsArchived: 0, outboxDeleted: 0 })
    }).pipe(
      Effect.provide(layerArchive(2)),
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ annotations, message }) => {
        logs.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      })))
    )
  })

  it.effect("runs every day at ARCHIVE_AT (UTC), the first at the next such time", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const dueAtTwo = yield* jobFinished(90 * DAY - 2 * HOUR)
      const dueAtNoon = yield* jobFinished(90 * DAY - 12 * HOUR)
      const schedule = yield* Effect.fork(archiveSchedule)

      yield* TestClock.adjust(Duration.millis(3.5 * HOUR - 1))
      expect(yield* isLive(dueAtTwo)).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* isLive(dueAtTwo)).toBe(false)
      expect(yield* isLive(dueAtNoon)).toBe(true)

      yield* TestClock.adjust(Duration.millis(DAY - 1))
      expect(yield* isLive(dueAtNoon)).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* isLive(dueAtNoon)).toBe(false)
      yield* Fiber.interrupt(schedule)
    }).pipe(Effect.provide(layerArchive(500)), Effect.provide(Logger.minimumLogLevel(LogLevel.Warning))))
})

describe("archive settings", () => {
  const archiveOf = (env: Record<string, string>) =>
    Effect.either(Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))).pipe(
      Effect.map(Either.match({ onLeft: formatConfigError, onRight: (config) => config.archive }))
    )

  it.effect("default to 90 days, 03:30 UTC and batches of 500, and name the variable of a bad value", () =>
    Effect.gen(function*() {
      expect(yield* archiveOf({})).toEqual({ after: Duration.days(90), at: { hour: 3, minute: 30 }, batch: 500 })
      expect(yield* archiveOf({ ARCHIVE_AFTER_DAYS: "30", ARCHIVE_AT: "23:05", ARCHIVE_BATCH_SIZE: "50" }))
        .toEqual({ after: Duration.days(30), at: { hour: 23, minute: 5 }, batch: 50 })
      expect(yield* archiveOf({ ARCHIVE_AT: "3:30" })).toBe(
        'configuration error: ARCHIVE_AT: expected a UTC time of day as HH:MM (00:00 to 23:59), got "3:30"'
      )
      expect(yield* archiveOf({ ARCHIVE_AT: "24:00" })).toMatch(/^configuration error: ARCHIVE_AT: /)
      expect(yield* archiveOf({ ARCHIVE_AFTER_DAYS: "0" })).toBe(
        'configuration error: ARCHIVE_AFTER_DAYS: expected an integer from 1 to 36500, got "0"'
      )
      expect(yield* archiveOf({ ARCHIVE_BATCH_SIZE: "many" })).toMatch(/^configuration error: ARCHIVE_BATCH_SIZE: /)
    }))
})
