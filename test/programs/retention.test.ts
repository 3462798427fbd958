import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Fiber, HashMap, Layer, Logger, LogLevel, TestClock } from "effect"
import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { retentionSchedule, sweepOnce } from "../../programs/retention.ts"
import { appConfig } from "../../src/AppConfig.ts"
import { formatConfigError } from "../../src/Config.ts"
import { CompanyId, EventId } from "../../src/domain/ids.ts"
import { ArchiveRepo } from "../../src/services/Archive.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { IdempotencySettings, RetentionSettings } from "../../src/services/Settings.ts"
import { WebhookRepo } from "../../src/services/Webhooks.ts"
import { makeCompany, makeHook, makeJob, uuid } from "../support/fixtures.ts"

const DAY = 86_400_000
const HOUR = 3_600_000
/** The test clock starts here. */
const T0 = Date.UTC(2026, 2, 1)
const ago = (ms: number) => new Date(T0 - ms)

const layerRetention = Layer.mergeAll(
  layerMemory,
  Layer.succeed(IdempotencySettings, { ttl: Duration.hours(24) }),
  Layer.succeed(RetentionSettings, {
    webhookDeliveries: Duration.days(30),
    mockLeads: Duration.days(30),
    archivedJobs: Duration.days(365)
  })
)

const leadReceived = (age: number) =>
  Effect.flatMap(MockLeadStore, (leads) =>
    leads.record([{ leadId: `mock-${uuid()}`, companyId: CompanyId.make(uuid()), externalId: uuid(), payload: {}, receivedAt: ago(age) }]))

const mockLeadCount = Effect.flatMap(MockLeadStore, (leads) => Effect.map(leads.list(null, 1), (page) => page.total))

/** A webhook delivery enqueued `age` ago and delivered at once. */
const deliveryFinished = (age: number) =>
  Effect.gen(function*() {
    const repo = yield* WebhookRepo
    const hook = makeHook({ createdAt: ago(400 * DAY) })
    yield* repo.insert(hook)
    const eventId = EventId.make(uuid())
    yield* repo.enqueue([{ id: eventId, type: "routing.synced", companyId: null, createdAt: ago(age), body: "{}" }], ago(age))
    const [due] = yield* repo.claimDue(ago(age), ago(age - 1000), 1)
    yield* repo.recordAttempt(due!, { eventId, type: "routing.synced", at: ago(age), statusCode: 200, durationMs: 3, error: null }, {
      _tag: "Delivered"
    })
  })

/** A finished job archived `age` ago. */
const jobArchived = (age: number) =>
  Effect.gen(function*() {
    const [creator, receiver] = [makeCompany(), makeCompany()]
    yield* Effect.forEach([creator, receiver], (yield* CompanyRepo).insert)
    yield* (yield* JobRepo).insert([makeJob(creator.id, [receiver.id], { createdAt: ago(age + DAY), status: "completed" })])
    return yield* (yield* ArchiveRepo).archiveBatch(ago(age), ago(age), 1)
  })

describe("retention sweep", () => {
  it.effect("deletes what each table keeps past its retention, in batches until none is left, and logs how many", () => {
    const logs: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
    return Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const idempotency = yield* IdempotencyRepo
      const claim = (count: number, age: number) =>
        idempotency.claim(
          Array.from({ length: count }, () => ({ scope: "admin", key: uuid(), requestHash: "h" })),
          { now: ago(age), expiresBefore: ago(age + DAY) }
        )
      yield* claim(1001, 25 * HOUR)
      yield* claim(1, 23 * HOUR)
      yield* deliveryFinished(31 * DAY)
      yield* deliveryFinished(29 * DAY)
      yield* leadReceived(31 * DAY)
      yield* leadReceived(30 * DAY + 1)
      yield* leadReceived(29 * DAY)
      const [expired] = yield* jobArchived(366 * DAY)
      const [kept] = yield* jobArchived(364 * DAY)

      expect(yield* sweepOnce()).toEqual({ idempotencyKeys: 1001, webhookDeliveries: 1, mockLeads: 2, archivedJobs: 1 })
      expect(yield* mockLeadCount).toBe(1)
      const archive = yield* ArchiveRepo
      expect((yield* archive.findArchivedJob(expired!))._tag).toBe("None")
      expect((yield* archive.findArchivedJob(kept!))._tag).toBe("Some")
      expect(logs.map((l) => l.message)).toEqual([["retention sweep finished"]])
      expect(logs[0]!.annotations).toEqual({
        idempotency_keys_deleted: 1001,
        webhook_deliveries_deleted: 1,
        mock_leads_deleted: 2,
        archived_jobs_deleted: 1
      })

      expect(yield* sweepOnce()).toEqual({ idempotencyKeys: 0, webhookDeliveries: 0, mockLeads: 0, archivedJobs: 0 })
    }).pipe(
      Effect.provide(layerRetention),
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ annotations, message }) => {
        logs.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      })))
    )
  })

  it.effect("runs every hour, the first an hour after it starts", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      yield* leadReceived(31 * DAY)
      const schedule = yield* Effect.fork(retentionSchedule)
      yield* TestClock.adjust(Duration.millis(HOUR - 1))
      expect(yield* mockLeadCount).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* mockLeadCount).toBe(0)
      yield* leadReceived(31 * DAY)
      yield* TestClock.adjust(Duration.millis(HOUR))
      expect(yield* mockLeadCount).toBe(0)
      yield* Fiber.interrupt(schedule)
    }).pipe(Effect.provide(layerRetention), Effect.provide(Logger.minimumLogLevel(LogLevel.Warning))))
})

describe("retention settings", () => {
  const retentionOf = (env: Record<string, string>) =>
    Effect.either(Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))).pipe(
      Effect.map(Either.match({ onLeft: formatConfigError, onRight: (config) => config.retention }))
    )

  it.effect("default to 30 days for webhook deliveries and mock leads, 365 for the archive, and name a bad variable", () =>
    Effect.gen(function*() {
      expect(yield* retentionOf({})).toEqual({
        webhookDeliveries: Duration.days(30),
        mockLeads: Duration.days(30),
        archivedJobs: Duration.days(365)
      })
      expect(yield* retentionOf({ WEBHOOK_DELIVERY_RETENTION_DAYS: "7", MOCK_LEAD_RETENTION_DAYS: "2", ARCHIVE_RETENTION_DAYS: "3650" }))
        .toEqual({ webhookDeliveries: Duration.days(7), mockLeads: Duration.days(2), archivedJobs: Duration.days(3650) })
      expect(yield* retentionOf({ ARCHIVE_RETENTION_DAYS: "0" })).toBe(
        'configuration error: ARCHIVE_RETENTION_DAYS: expected an integer from 1 to 36500, got "0"'
      )
    }))
})
