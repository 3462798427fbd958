import { expect, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import type { ApiKey } from "../../src/domain/apiKey.ts"
import { ApiKeyId, CompanyId, EventId, RoutingId } from "../../src/domain/ids.ts"
import { ApiKeyRepo } from "../../src/services/ApiKeys.ts"
import { CompanyRepo, TechnicianRepo } from "../../src/services/Companies.ts"
import { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { OutboxRepo } from "../../src/services/Outbox.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { Transactions } from "../../src/services/Transactions.ts"
import { at, makeCompany, makeJob, makeTechnician, skill, uniqueSkill, uuid } from "../support/fixtures.ts"

export type Repositories =
  | CompanyRepo
  | TechnicianRepo
  | ApiKeyRepo
  | JobRepo
  | OutboxRepo
  | IdempotencyRepo
  | RoutingRepo
  | MockLeadStore
  | Transactions

const sealed = { keyId: "k1", data: "c2VhbGVk" }

/** Rotates the company's credentials of `type` to `credentials`; answers whether it had some to rotate. */
const rotateTo = (id: CompanyId, type: "jobber" | "servicetitan", credentials: typeof sealed) =>
  Effect.flatMap(CompanyRepo, (repo) =>
    repo.rotateCredentials(id, type, (current) => Effect.succeed({ replace: Option.some({ credentials, now: at(4) }), result: Option.isSome(current) })))

/** The behaviour every implementation of the repositories must have; run against each layer. */
export const repositoryContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("a company reads back as written, with skills in order and sealed credentials", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({
          skills: [skill("plumbing", "expert", true), skill("electrical", "intermediate")],
          provider: { type: "servicetitan", config: { tenant_id: "123", campaign_id: 9 }, credentials: sealed, active: true }
        })
        yield* repo.insert(company)
        expect(yield* repo.get(company.id)).toEqual(Option.some(company))
        expect(yield* repo.exists(company.id)).toBe(true)
        expect(yield* repo.exists(CompanyId.make(uuid()))).toBe(false)
        expect(yield* repo.get(CompanyId.make(uuid()))).toEqual(Option.none())
      }))

    it.effect("a company without a provider has none", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({ provider: null })
        yield* repo.insert(company)
        expect(Option.getOrThrow(yield* repo.get(company.id)).provider).toBeNull()
      }))

    it.effect("update changes only the given fields and stamps updated_at", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({ skills: [skill("hvac", "basic")] })
        yield* repo.insert(company)
        const updated = Option.getOrThrow(yield* repo.update(company.id, { status: "suspended" }, at(5000)))
        expect(updated).toEqual({ ...company, status: "suspended", updatedAt: at(5000) })
        const renamed = Option.getOrThrow(yield* repo.update(company.id, { name: "B", rateLimitPerMinute: 7 }, at(6000)))
        expect(renamed).toMatchObject({ name: "B", status: "suspended", rateLimitPerMinute: 7 })
        expect(yield* repo.update(CompanyId.make(uuid()), { name: "x" }, at(1))).toEqual(Option.none())
      }))

    it.effect("skills and provider are replaced whole", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({ skills: [skill("hvac", "basic")] })
        yield* repo.insert(company)
        const skills = [skill("roofing", "expert", true), skill("hvac", "intermediate")]
        expect(Option.getOrThrow(yield* repo.replaceSkills(company.id, skills, at(1))).skills).toEqual(skills)
        expect(Option.getOrThrow(yield* repo.replaceSkills(company.id, [], at(2))).skills).toEqual([])
        const provider = { type: "jobber" as const, config: { graphql_version: "2025-01-20" }, credentials: sealed, active: false }
        expect(Option.getOrThrow(yield* repo.setProvider(company.id, provider, at(3))).provider).toEqual(provider)
        const rotated = { keyId: sealed.keyId, data: "rotated" }
        expect(yield* rotateTo(company.id, "servicetitan", rotated)).toBe(false)
        expect(yield* rotateTo(company.id, "jobber", rotated)).toBe(true)
        expect(Option.getOrThrow(yield* repo.get(company.id)).provider).toEqual({ ...provider, credentials: rotated })
        expect(Option.getOrThrow(yield* repo.setProvider(company.id, null, at(4))).provider).toBeNull()
        expect(yield* rotateTo(company.id, "jobber", rotated)).toBe(false)
        expect(yield* repo.setProvider(CompanyId.make(uuid()), null, at(4))).toEqual(Option.none())
        expect(yield* repo.replaceSkills(CompanyId.make(uuid()), [], at(4))).toEqual(Option.none())
      }))

    it.effect("a credential rotation reads the association's sealed credentials and stores its replacement, and nothing when it fails", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({ provider: { type: "jobber", config: { graphql_version: "2025-01-20" }, credentials: sealed, active: true } })
        yield* repo.insert(company)
        const rotated = { keyId: sealed.keyId, data: "rotated" }
        const read = yield* repo.rotateCredentials(company.id, "jobber", (current) =>
          Effect.succeed({ replace: Option.some({ credentials: rotated, now: at(7) }), result: current }))
        expect(read).toEqual(Option.some(sealed))
        expect(Option.getOrThrow(yield* repo.get(company.id)).provider?.credentials).toEqual(rotated)
        expect(yield* repo.rotateCredentials(company.id, "servicetitan", (current) => Effect.succeed({ replace: Option.none(), result: current })))
          .toEqual(Option.none())
        expect(yield* Effect.flip(repo.rotateCredentials(company.id, "jobber", () => Effect.fail("refused" as const)))).toBe("refused")
        expect(Option.getOrThrow(yield* repo.get(company.id)).provider?.credentials).toEqual(rotated)
      }))

    it.effect("rotations of one company's credentials never overlap, and each reads what the one before stored", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({ provider: { type: "jobber", config: { graphql_version: "2025-01-20" }, credentials: sealed, active: true } })
        yield* repo.insert(company)
        const started = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const reads: Array<string> = []
        const rotation = (data: string, wait: boolean) => (current: Option.Option<typeof sealed>) =>
          Effect.gen(function*() {
            reads.push(Option.getOrThrow(current).data)
            if (wait) yield* Deferred.succeed(started, undefined).pipe(Effect.zipRight(Deferred.await(release)))
            return { replace: Option.some({ credentials: { keyId: "k1", data }, now: at(9) }), result: data }
          })
        const first = yield* Effect.fork(repo.rotateCredentials(company.id, "jobber", rotation("first", true)))
        yield* Deferred.await(started)
        const second = yield* Effect.fork(repo.rotateCredentials(company.id, "jobber", rotation("second", false)))
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 200)))
        expect(reads).toEqual([sealed.data])
        yield* Deferred.succeed(release, undefined)
        expect([yield* Fiber.join(first), yield* Fiber.join(second)]).toEqual(["first", "second"])
        expect(reads).toEqual([sealed.data, "first"])
        expect(Option.getOrThrow(yield* repo.get(company.id)).provider?.credentials?.data).toBe("second")
      }))

    it.effect("companies list newest first, filtered, in pages that follow a cursor", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const tag = uniqueSkill()
        const companies = Array.from({ length: 5 }, (_, i) =>
          makeCompany({ createdAt: at(i % 2 === 0 ? 1000 : 2000), skills: [skill(tag, "basic")], status: i === 4 ? "inactive" : "active" }))
        yield* Effect.forEach(companies, repo.insert)
        const expected = [...companies].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        const first = yield* repo.list({ status: null, skill: tag, limit: 3, after: null })
        expect(first.map((c) => c.id)).toEqual(expected.slice(0, 3).map((c) => c.id))
        const last = first[2]!
        const second = yield* repo.list({ status: null, skill: tag, limit: 3, after: { createdAt: last.createdAt, id: last.id } })
        expect(second.map((c) => c.id)).toEqual(expected.slice(3).map((c) => c.id))
        const active = yield* repo.list({ status: "active", skill: tag, limit: 10, after: null })
        expect(active.map((c) => c.id).sort()).toEqual(companies.slice(0, 4).map((c) => c.id).sort())
      }))

    it.effect("technicians read back as written", () =>
      Effect.gen(function*() {
        const company = makeCompany()
        yield* (yield* CompanyRepo).insert(company)
        const technicians = yield* TechnicianRepo
        const technician = makeTechnician(company.id)
        yield* technicians.insert(technician)
        expect(yield* technicians.get(technician.id)).toEqual(Option.some(technician))
      }))

    it.effect("API keys are found by hash until revoked or expired, record their use to the minute, and list newest first", () =>
      Effect.gen(function*() {
        const company = makeCompany()
        yield* (yield* CompanyRepo).insert(company)
        const keys = yield* ApiKeyRepo
        const key: ApiKey = {
          id: ApiKeyId.make(uuid()),
          role: "company",
          companyId: company.id,
          name: "ci",
          keyHash: `hash-${uuid()}`,
          prefix: "si_abcdef",
          createdAt: at(0),
          revokedAt: null,
          lastUsedAt: null,
          expiresAt: null
        }
        const expiring: ApiKey = { ...key, id: ApiKeyId.make(uuid()), keyHash: `hash-${uuid()}`, createdAt: at(1), expiresAt: at(100_000) }
        yield* keys.insert(key)
        yield* keys.insert(expiring)
        expect(yield* keys.findActive(key.keyHash, at(1))).toEqual(Option.some({ key, companyStatus: "active" }))
        expect(yield* keys.findActive("no-such-hash", at(1))).toEqual(Option.none())
        expect(Option.isSome(yield* keys.findActive(expiring.keyHash, at(99_999)))).toBe(true)
        expect(yield* keys.findActive(expiring.keyHash, at(100_000))).toEqual(Option.none())

        const lastUsed = Effect.map(keys.findActive(key.keyHash, at(1)), (found) => Option.getOrThrow(found).key.lastUsedAt)
        yield* keys.recordUse(key.id, at(10_000))
        expect(yield* lastUsed).toEqual(at(10_000))
        yield* keys.recordUse(key.id, at(69_999))
        expect(yield* lastUsed, "at most once a minute").toEqual(at(10_000))
        yield* keys.recordUse(key.id, at(70_000))
        expect(yield* lastUsed).toEqual(at(70_000))

        const listed = (yield* keys.list({ limit: 1000, after: null })).filter((k) => k.companyId === company.id)
        expect(listed.map((k) => k.id)).toEqual([expiring.id, key.id])
        expect(listed[0]).toEqual(expiring)
        expect((yield* keys.list({ limit: 1000, after: { createdAt: at(1), id: expiring.id } })).map((k) => k.id)).toContain(key.id)

        yield* (yield* CompanyRepo).update(company.id, { status: "suspended" }, at(1))
        expect(Option.map(yield* keys.findActive(key.keyHash, at(1)), (found) => found.companyStatus)).toEqual(Option.some("suspended"))
        expect(yield* keys.revoke(key.id, at(1))).toBe(true)
        expect(yield* keys.findActive(key.keyHash, at(1))).toEqual(Option.none())
        expect(yield* keys.revoke(key.id, at(2))).toBe(false)
        expect(yield* keys.revoke(ApiKeyId.make(uuid()), at(2))).toBe(false)
      }))

    it.effect("a viewer key, which has no company, is stored, found and listed with its role", () =>
      Effect.gen(function*() {
        const keys = yield* ApiKeyRepo
        const viewer: ApiKey = {
          id: ApiKeyId.make(uuid()),
          role: "viewer",
          companyId: null,
          name: "read only",
          keyHash: `hash-${uuid()}`,
          prefix: "si_viewer",
          createdAt: at(0),
          revokedAt: null,
          lastUsedAt: null,
          expiresAt: null
        }
        yield* keys.insert(viewer)
        expect(yield* keys.findActive(viewer.keyHash, at(1))).toEqual(Option.some({ key: viewer, companyStatus: null }))
        expect((yield* keys.list({ limit: 1000, after: null })).find((k) => k.id === viewer.id)).toEqual(viewer)
      }))

    it.effect("a job reads back with its routings in order", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, r1, r2] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, r1, r2], companies.insert)
        const jobs = yield* JobRepo
        const job = makeJob(creator.id, [r1.id, r2.id], { createdAt: at(123) })
        yield* jobs.insert([job])
        expect(yield* jobs.get(job.id)).toEqual(Option.some(job))
        const unmatched = makeJob(creator.id, [])
        yield* jobs.insert([unmatched])
        expect(yield* jobs.get(unmatched.id)).toEqual(Option.some(unmatched))
      }))

    it.effect("several jobs written at once read back, each with its own routings", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, r1, r2] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, r1, r2], companies.insert)
        const jobs = yield* JobRepo
        const written = [makeJob(creator.id, [r2.id, r1.id]), makeJob(creator.id, []), makeJob(creator.id, [r1.id], { priority: "urgent" })]
        yield* jobs.insert(written)
        for (const job of written) expect(yield* jobs.get(job.id)).toEqual(Option.some(job))
        yield* jobs.insert([])
      }))

    it.effect("jobs list newest first by the companies involved, status, priority and time, in pages", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, receiver, stranger] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver, stranger], companies.insert)
        const jobs = yield* JobRepo
        const created = Array.from({ length: 4 }, (_, i) =>
          makeJob(creator.id, i < 2 ? [receiver.id] : [], { createdAt: at(1000 * (i + 1)), priority: i === 1 ? "urgent" : "normal" }))
        const foreign = makeJob(stranger.id, [])
        yield* jobs.insert([...created, foreign])
        const query = { status: null, involving: creator.id, createdAfter: null, priority: null, limit: 10, after: null }
        expect((yield* jobs.list(query)).map((j) => j.id)).toEqual(created.map((j) => j.id).reverse())
        expect((yield* jobs.list({ ...query, involving: receiver.id })).map((j) => j.id)).toEqual([created[1]!.id, created[0]!.id])
        expect((yield* jobs.list({ ...query, status: "unmatched" })).map((j) => j.id)).toEqual([created[3]!.id, created[2]!.id])
        expect((yield* jobs.list({ ...query, createdAfter: at(2000) })).map((j) => j.id)).toEqual([created[3]!.id, created[2]!.id])
        expect((yield* jobs.list({ ...query, priority: "urgent" })).map((j) => j.id)).toEqual([created[1]!.id])
        expect((yield* jobs.list({ ...query, priority: "low" }))).toEqual([])
        const page = yield* jobs.list({ ...query, limit: 2 })
        const next = yield* jobs.list({ ...query, after: { createdAt: page[1]!.createdAt, id: page[1]!.id } })
        expect(next.map((j) => j.id)).toEqual([created[1]!.id, created[0]!.id])
      }))

    it.effect("canceling a job's routings touches only those not delivered", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, r1, r2, r3] = [makeCompany(), makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, r1, r2, r3], companies.insert)
        const jobs = yield* JobRepo
        const job = makeJob(creator.id, [r1.id, r2.id, r3.id])
        const routings = [
          { ...job.routings[0]!, syncStatus: "synced" as const },
          { ...job.routings[1]!, syncStatus: "failed" as const },
          job.routings[2]!
        ]
        yield* jobs.insert([{ ...job, routings }])
        const canceled = yield* jobs.cancelUndelivered(job.id, at(9))
        expect([...canceled].sort()).toEqual([routings[1]!.id, routings[2]!.id].sort())
        yield* jobs.setStatus(job.id, "routed", at(9))
        const after = Option.getOrThrow(yield* jobs.get(job.id))
        expect(after.status).toBe("routed")
        expect(after.updatedAt).toEqual(at(9))
        expect(after.routings.map((r) => r.syncStatus)).toEqual(["synced", "canceled", "canceled"])
        expect(yield* jobs.cancelUndelivered(job.id, at(10))).toEqual([])
      }))

    it.effect("outbox events wait, oldest first, until published", () =>
      Effect.gen(function*() {
        const outbox = yield* OutboxRepo
        const aggregate = uuid()
        const events = [2, 1].map((n) => ({
          id: EventId.make(uuid()),
          aggregateId: aggregate,
          type: "routing.created",
          payload: { n },
          traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`,
          createdAt: at(-1_000_000 + n)
        }))
        yield* outbox.append(events)
        const pending = (yield* outbox.pending(1000)).filter((e) => e.aggregateId === aggregate)
        expect(pending).toEqual([events[1], events[0]])
      }))

    it.effect("idempotency keys are claimed once, then answer their record, until it expires", () =>
      Effect.gen(function*() {
        const repo = yield* IdempotencyRepo
        const [k1, k2] = [uuid(), uuid()]
        const time = { now: at(0), expiresBefore: at(-1) }
        expect(yield* repo.claim([{ scope: "admin", key: k1, requestHash: "h1" }, { scope: "admin", key: k2, requestHash: "h2" }], time))
          .toEqual([{ _tag: "Claimed" }, { _tag: "Claimed" }])
        yield* repo.complete([{ scope: "admin", key: k1, response: { id: "job-1", n: [1, 2] } }, { scope: "admin", key: k2, response: { id: "job-2" } }])
        const again = yield* repo.claim([
          { scope: "admin", key: k2, requestHash: "h9" },
          { scope: "admin", key: k1, requestHash: "h1" },
          { scope: "key:other", key: k1, requestHash: "h1" }
        ], { now: at(10), expiresBefore: at(-1) })
        expect(again).toEqual([
          { _tag: "Held", requestHash: "h2", response: { id: "job-2" } },
          { _tag: "Held", requestHash: "h1", response: { id: "job-1", n: [1, 2] } },
          { _tag: "Claimed" }
        ])
        expect(yield* repo.claim([{ scope: "admin", key: k1, requestHash: "h3" }], { now: at(100), expiresBefore: at(50) }))
          .toEqual([{ _tag: "Claimed" }])
        expect(yield* repo.claim([], time)).toEqual([])
      }))

    it.effect("a transaction that fails leaves nothing of its writes", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const transactions = yield* Transactions
        const kept = makeCompany()
        const dropped = makeCompany()
        yield* transactions.run(companies.insert(kept))
        const result = yield* transactions.run(
          companies.insert(dropped).pipe(
            Effect.zipRight(transactions.run(companies.update(kept.id, { name: "changed" }, at(1)))),
            Effect.zipRight(Effect.fail("boom" as const))
          )
        ).pipe(Effect.flip)
        expect(result).toBe("boom")
        expect(yield* companies.exists(dropped.id)).toBe(false)
        expect(Option.getOrThrow(yield* companies.get(kept.id)).name).toBe(kept.name)
      }))
    it.effect("companies with an active provider are delivery targets, and the version moves with every change", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const target = makeCompany({ rateLimitPerMinute: 7, deliveryConcurrency: 3 })
        const noProvider = makeCompany({ provider: null })
        const before = yield* repo.version
        yield* Effect.forEach([target, noProvider], repo.insert)
        const afterInsert = yield* repo.version
        expect(afterInsert).not.toBe(before)
        const targets = new Map((yield* repo.deliveryTargets).map((t) => [t.companyId, t]))
        expect(targets.get(target.id)).toEqual({
          companyId: target.id,
          rateLimitPerMinute: 7,
          concurrency: 3,
          paused: false,
          pollIntervalSeconds: null,
          pollSchedule: null,
          timeZone: null
        })
        expect(targets.has(noProvider.id)).toBe(false)
        yield* repo.update(target.id, { deliveryPaused: true, pollIntervalSeconds: 600 }, at(60_000))
        expect(yield* repo.version).not.toBe(afterInsert)
        expect((yield* repo.deliveryTargets).find((t) => t.companyId === target.id)).toMatchObject({ paused: true, pollIntervalSeconds: 600 })
        yield* repo.update(target.id, { pollIntervalSeconds: null }, at(61_000))
        expect(Option.getOrThrow(yield* repo.get(target.id)).pollIntervalSeconds).toBeNull()
      }))
    it.effect("stores a company's service areas (none by default), replaces them whole, and empties them", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const everywhere = makeCompany()
        const company = makeCompany({ serviceAreas: ["62701", "627", "9"] })
        yield* Effect.forEach([everywhere, company], repo.insert)
        expect(Option.getOrThrow(yield* repo.get(everywhere.id)).serviceAreas).toEqual([])
        expect(Option.getOrThrow(yield* repo.get(company.id)).serviceAreas).toEqual(["62701", "627", "9"])
        const renamed = yield* repo.update(company.id, { name: "Renamed" }, at(60_000))
        expect(Option.getOrThrow(renamed).serviceAreas).toEqual(["62701", "627", "9"])
        const moved = yield* repo.update(company.id, { serviceAreas: ["90210"] }, at(61_000))
        expect(Option.getOrThrow(moved).serviceAreas).toEqual(["90210"])
        const cleared = yield* repo.update(company.id, { serviceAreas: [] }, at(62_000))
        expect(Option.getOrThrow(cleared).serviceAreas).toEqual([])
        expect(Option.getOrThrow(yield* repo.get(company.id)).serviceAreas).toEqual([])
      }))
    it.effect("stores a company's poll schedule and time zone, changes each alone, and clears them with null", () =>
      Effect.gen(function*() {
        const repo = yield* CompanyRepo
        const company = makeCompany({ pollSchedule: "*/30 8-18 * * 1-5", timeZone: "America/Chicago", pollIntervalSeconds: 900 })
        yield* repo.insert(company)
        expect(Option.getOrThrow(yield* repo.get(company.id))).toMatchObject({
          pollSchedule: "*/30 8-18 * * 1-5",
          timeZone: "America/Chicago",
          pollIntervalSeconds: 900
        })
        expect((yield* repo.deliveryTargets).find((t) => t.companyId === company.id)).toMatchObject({
          pollSchedule: "*/30 8-18 * * 1-5",
          timeZone: "America/Chicago"
        })
        const zoned = yield* repo.update(company.id, { timeZone: "Europe/Berlin" }, at(60_000))
        expect(Option.getOrThrow(zoned)).toMatchObject({ pollSchedule: "*/30 8-18 * * 1-5", timeZone: "Europe/Berlin", pollIntervalSeconds: 900 })
        const cleared = yield* repo.update(company.id, { pollSchedule: null, timeZone: null }, at(61_000))
        expect(Option.getOrThrow(cleared)).toMatchObject({ pollSchedule: null, timeZone: null, pollIntervalSeconds: 900 })
      }))

    /** A job of one company routed to another: the routing repository and the routing's id. */
    const oneRouting = Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const [creator, receiver] = [makeCompany(), makeCompany()]
      yield* Effect.forEach([creator, receiver], companies.insert)
      const job = makeJob(creator.id, [receiver.id])
      yield* (yield* JobRepo).insert([job])
      return { routings: yield* RoutingRepo, id: job.routings[0]!.id, job }
    })

    const failed = (status: "retrying" | "failed", counts: boolean, known: boolean) =>
      ({ _tag: "Failed", status, outcome: "error", error: "boom", counts, known }) as const

    it.effect("delivered routings not final are claimed for polls least recently first, once an interval; a status or a poll stamp moves them back", () =>
      Effect.gen(function*() {
        const { routings, id, job } = yield* oneRouting
        const companyId = job.routings[0]!.companyId
        expect(yield* routings.claimToPoll(companyId, at(10_000), 10, at(10_000))).toEqual([])
        yield* routings.claim(id, at(1000), at(5000))
        yield* routings.finish([{ id, leaseUntil: at(5000), result: { _tag: "Synced", externalId: "lead-9", outcome: "created" }, timing: { at: at(2000), durationMs: 1 } }])
        const nobody = CompanyId.make(uuid())
        const dueAt = (ms: number) => [companyId, job.createdByCompanyId, nobody].map((c) => ({ companyId: c, polledBefore: at(ms) }))
        expect([...(yield* routings.companiesToPoll(dueAt(10_000)))]).toEqual([companyId])
        expect((yield* routings.claimToPoll(companyId, at(2500), 10, at(2500))).map((r) => r.id)).toEqual([id])
        // Claimed: another poller of the same interval does not take it again.
        expect(yield* routings.claimToPoll(companyId, at(2500), 10, at(2600))).toEqual([])
        yield* routings.markPolled([id], at(3000))
        expect(yield* routings.claimToPoll(companyId, at(3000), 10, at(3000))).toEqual([])
        expect((yield* routings.companiesToPoll(dueAt(3000))).size).toBe(0)
        expect([...(yield* routings.companiesToPoll(dueAt(3001)))]).toEqual([companyId])
        expect((yield* routings.claimToPoll(companyId, at(3001), 10, at(3500))).map((r) => r.id)).toEqual([id])
        expect((yield* routings.companiesToPoll([])).size).toBe(0)
        yield* routings.recordStatus(id, { externalStatus: "in_progress", revenue: null, completedAt: null }, at(4000))
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ externalStatus: "in_progress" })
        yield* routings.recordStatus(id, { externalStatus: "completed", revenue: 123.45, completedAt: at(4500) }, at(5000))
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({
          externalStatus: "completed",
          revenue: 123.45,
          completedAt: at(4500)
        })
        expect(yield* routings.claimToPoll(companyId, at(99_000), 10, at(99_000))).toEqual([])
        expect((yield* routings.companiesToPoll(dueAt(99_000))).size).toBe(0)
      }))

    it.effect("several routings of several jobs are finished at once, each as its own result says", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, first, second] = [makeCompany(), makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, first, second], companies.insert)
        const [routedJob, waitingJob] = [makeJob(creator.id, [first.id, second.id]), makeJob(creator.id, [first.id])]
        yield* (yield* JobRepo).insert([routedJob, waitingJob])
        const routings = yield* RoutingRepo
        const [synced, timedOut] = routedJob.routings.map((r) => r.id) as [RoutingId, RoutingId]
        const givenUp = waitingJob.routings[0]!.id
        yield* routings.claimMany([synced, timedOut, givenUp].map((id) => ({ id, leaseUntil: at(31_000) })), at(1000))
        const event = (aggregateId: RoutingId, type: string) => ({
          id: EventId.make(uuid()),
          aggregateId,
          type,
          payload: { routing_id: aggregateId, note: "ünïcode, \"quoted\"" },
          traceparent: type === "routing.synced" ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : null,
          createdAt: at(2300)
        })
        const events = [event(synced, "routing.synced"), event(givenUp, "routing.failed")]
        yield* routings.finish([
          { id: synced, leaseUntil: at(31_000), result: { _tag: "Synced", externalId: "lead-7", outcome: "found" }, timing: { at: at(2000), durationMs: 3 } },
          { id: timedOut, leaseUntil: at(31_000), result: failed("retrying", true, false), timing: { at: at(2100), durationMs: 10_000 } },
          { id: givenUp, leaseUntil: at(31_000), result: failed("failed", true, true), timing: { at: at(2200), durationMs: 4 } }
        ], events)
        // The events the results cause are appended in the same step, as given.
        const appended = (yield* (yield* OutboxRepo).pending(10)).filter((e) => events.some((x) => x.id === e.id))
        expect(appended.sort((x, y) => x.type.localeCompare(y.type))).toEqual(events.sort((x, y) => x.type.localeCompare(y.type)))
        const routingOf = (id: RoutingId) => Effect.map(routings.get(id), (found) => Option.getOrThrow(found))
        expect(yield* routingOf(synced)).toMatchObject({
          routing: { syncStatus: "synced", externalId: "lead-7", attempts: 1, syncedAt: at(2000), lastError: null },
          job: { status: "routed" }
        })
        expect((yield* routingOf(timedOut)).routing).toMatchObject({ syncStatus: "retrying", attempts: 1, externalId: null })
        expect(yield* routingOf(givenUp)).toMatchObject({ routing: { syncStatus: "failed", attempts: 1 }, job: { status: "pending" } })
        expect(yield* routings.attempts(timedOut)).toEqual([{ at: at(2100), outcome: "error", durationMs: 10_000, error: "boom" }])
        // The call that timed out may have created the lead: the next claim asks for a lookup first.
        expect(yield* routings.claim(timedOut, at(3000), at(33_000))).toEqual(Option.some({ needsLookup: true, attempts: 1, rateLimitedSince: null }))
        expect(yield* routings.claim(givenUp, at(3000), at(33_000))).toEqual(Option.none())
      }))

    it.effect("a routing is claimed once, finished as synced with its attempt recorded, and the job becomes routed", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("pending")
        expect(yield* routings.claim(id, at(1000), at(31_000))).toEqual(Option.some({ needsLookup: false, attempts: 0, rateLimitedSince: null }))
        expect(yield* routings.claim(id, at(2000), at(32_000))).toEqual(Option.none())
        yield* routings.finish([{ id, leaseUntil: at(31_000), result: { _tag: "Synced", externalId: "lead-1", outcome: "created" }, timing: { at: at(3000), durationMs: 12.4 } }])
        const { routing, job: after } = Option.getOrThrow(yield* routings.get(id))
        expect(routing).toMatchObject({ syncStatus: "synced", externalId: "lead-1", attempts: 1, syncedAt: at(3000), lastError: null })
        expect(after.status).toBe("routed")
        expect(yield* routings.attempts(id)).toEqual([{ at: at(3000), outcome: "created", durationMs: 12, error: null }])
        expect(yield* routings.claim(id, at(4000), at(34_000))).toEqual(Option.none())
        expect(yield* routings.cancel(id, at(5000))).toBe(false)
        const note = "canceled here only"
        expect(yield* routings.cancelDelivered(id, { outcome: "canceled_locally", note, at: at(6000), durationMs: 3.2 })).toBe(true)
        expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("canceled")
        expect((yield* routings.attempts(id)).at(-1)).toEqual({ at: at(6000), outcome: "canceled_locally", durationMs: 3, error: note })
        expect(yield* routings.cancelDelivered(id, { outcome: "canceled_at_provider", note: null, at: at(7000), durationMs: 1 })).toBe(false)
      }))

    it.effect("an attempt's result is written only under its own claim: a late result never overwrites the new claimant's", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        const event = (type: string, createdAt: Date) => ({
          id: EventId.make(uuid()),
          aggregateId: id,
          type,
          payload: { routing_id: id },
          traceparent: null,
          createdAt
        })
        const synced = { _tag: "Synced", externalId: "lead-2", outcome: "found" } as const
        // The first claim's lease runs out mid-call; a second worker takes the routing over and delivers it.
        yield* routings.claim(id, at(0), at(10_000))
        yield* routings.claim(id, at(11_000), at(21_000))
        const lateEvent = event("routing.failed", at(12_000))
        yield* routings.finish([{ id, leaseUntil: at(10_000), result: failed("failed", true, true), timing: { at: at(12_000), durationMs: 5 } }], [lateEvent])
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ syncStatus: "syncing", attempts: 0, lastError: null })
        yield* routings.finish([{ id, leaseUntil: at(21_000), result: synced, timing: { at: at(13_000), durationMs: 5 } }], [event("routing.synced", at(13_000))])
        // The first worker's result, written again late (a retried write), is dropped with its attempt and its event.
        yield* routings.finish([{ id, leaseUntil: at(10_000), result: failed("failed", true, true), timing: { at: at(14_000), durationMs: 5 } }], [lateEvent])
        yield* routings.finish([{ id, leaseUntil: at(21_000), result: failed("retrying", true, true), timing: { at: at(15_000), durationMs: 5 } }])
        expect(Option.getOrThrow(yield* routings.get(id))).toMatchObject({
          routing: { syncStatus: "synced", externalId: "lead-2", attempts: 1, lastError: null },
          job: { status: "routed" }
        })
        expect((yield* routings.attempts(id)).map((a) => [a.at, a.outcome])).toEqual([[at(13_000), "found"]])
        const events = (yield* (yield* OutboxRepo).pending(100)).filter((e) => e.aggregateId === id)
        expect(events.map((e) => e.type)).toEqual(["routing.synced"])
        // Ended without a claim (past the broker's max deliveries): written only while the routing is still to deliver.
        const other = yield* oneRouting
        yield* other.routings.finish([{ id: other.id, leaseUntil: null, result: failed("failed", false, false), timing: { at: at(1000), durationMs: 0 } }])
        expect(Option.getOrThrow(yield* other.routings.get(other.id)).routing.syncStatus).toBe("failed")
        yield* routings.finish([{ id, leaseUntil: null, result: failed("failed", false, false), timing: { at: at(16_000), durationMs: 0 } }])
        expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("synced")
      }))

    it.effect("a delivered routing its provider reports in progress or completed is not canceled", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        yield* routings.claim(id, at(1000), at(31_000))
        yield* routings.finish([{ id, leaseUntil: at(31_000), result: { _tag: "Synced", externalId: "lead-1", outcome: "created" }, timing: { at: at(2000), durationMs: 1 } }])
        const cancel = routings.cancelDelivered(id, { outcome: "canceled_at_provider", note: null, at: at(9000), durationMs: 1 })
        for (const [status, ms] of [["in_progress", 3000], ["completed", 4000]] as const) {
          yield* routings.recordStatus(id, { externalStatus: status, revenue: null, completedAt: null }, at(ms))
          expect(yield* cancel).toBe(false)
          expect(Option.getOrThrow(yield* routings.get(id)).routing.syncStatus).toBe("synced")
        }
      }))

    /** Two jobs: the first routed to companies a and b (routings one and two), the second to a (three); and an id of none. */
    const threeRoutings = Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const [creator, a, b] = [makeCompany(), makeCompany(), makeCompany()]
      yield* Effect.forEach([creator, a, b], companies.insert)
      const first = makeJob(creator.id, [a.id, b.id])
      const second = makeJob(creator.id, [a.id])
      yield* (yield* JobRepo).insert([first, second])
      const [one, two] = first.routings.map((r) => r.id) as [RoutingId, RoutingId]
      return { routings: yield* RoutingRepo, a, first, second, one, two, three: second.routings[0]!.id, missing: RoutingId.make(uuid()) }
    })

    it.effect("routings are read as they were and claimed in one statement, each only while it is there to take", () =>
      Effect.gen(function*() {
        const { routings, first, second, one, two, three, missing } = yield* threeRoutings
        yield* routings.claim(two, at(0), at(60_000))
        yield* routings.claim(three, at(0), at(1_000))

        const leased = (id: RoutingId) => ({ id, leaseUntil: at(40_000) })
        const { found, claims } = yield* routings.getAndClaimMany([one, two, three, missing].map(leased), at(2_000))
        expect([...found.keys()].sort()).toEqual([one, two, three].sort())
        // Read as they were before the claim, each with its whole job.
        expect(found.get(one)).toMatchObject({ routing: { id: one, syncStatus: "pending" }, job: { id: first.id } })
        expect(found.get(one)?.job.routings).toHaveLength(2)
        expect(found.get(two)?.routing.syncStatus).toBe("syncing")
        expect(found.get(three)?.job.id).toBe(second.id)
        // Taken: the pending one, and the one whose lease ran out (a lookup first); not the one leased until later.
        expect(Object.fromEntries(claims)).toEqual({
          [one]: { needsLookup: false, attempts: 0, rateLimitedSince: null },
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
        expect(Option.getOrThrow(yield* routings.get(one)).routing.syncStatus).toBe("syncing")
        expect((yield* routings.getAndClaimMany([one, three].map(leased), at(3_000))).claims.size).toBe(0)
        const none = yield* routings.getAndClaimMany([], at(3_000))
        expect([none.found.size, none.claims.size]).toEqual([0, 0])
      }))

    it.effect("many routings are read and claimed in one step, each only while it is there to take", () =>
      Effect.gen(function*() {
        const { routings, a, first, second, one, two, three, missing } = yield* threeRoutings
        const found = yield* routings.getMany([one, three, missing])
        expect([...found.keys()].sort()).toEqual([one, three].sort())
        expect(found.get(one)).toMatchObject({ routing: { id: one, companyId: a.id }, job: { id: first.id } })
        expect(found.get(one)?.job.routings).toHaveLength(2)
        expect(found.get(three)?.job.id).toBe(second.id)
        expect((yield* routings.getMany([])).size).toBe(0)

        yield* routings.claim(two, at(0), at(60_000))
        yield* routings.claim(three, at(0), at(1_000))
        const leased = (until: Date) => (id: RoutingId) => ({ id, leaseUntil: until })
        const claimed = yield* routings.claimMany([one, two, missing].map(leased(at(40_000))).concat(leased(at(2_500))(three)), at(2_000))
        expect(Object.fromEntries(claimed)).toEqual({
          [one]: { needsLookup: false, attempts: 0, rateLimitedSince: null },
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
        // Each claim holds for its own lease: only the shorter one has run out.
        expect(Object.fromEntries(yield* routings.claimMany([one, two, three].map(leased(at(40_000))), at(3_000)))).toEqual({
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
        expect((yield* routings.claimMany([], at(3_000))).size).toBe(0)

        // Claims never tried are given back: pending again (a lookup still asked for), and taken again at once.
        yield* routings.release([one, three], at(4_000))
        expect(Option.getOrThrow(yield* routings.get(one)).routing.syncStatus).toBe("pending")
        expect(Object.fromEntries(yield* routings.claimMany([one, three].map(leased(at(40_000))), at(5_000)))).toEqual({
          [one]: { needsLookup: false, attempts: 0, rateLimitedSince: null },
          [three]: { needsLookup: true, attempts: 0, rateLimitedSince: null }
        })
      }))

    it.effect("failures count attempts; an unknown outcome or a cut-off lease asks for a lookup; failed routings reopen", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        yield* routings.claim(id, at(0), at(10_000))
        yield* routings.finish([{ id, leaseUntil: at(10_000), result: failed("retrying", true, true), timing: { at: at(1000), durationMs: 5 } }])
        expect(yield* routings.claim(id, at(2000), at(12_000))).toEqual(Option.some({ needsLookup: false, attempts: 1, rateLimitedSince: null }))
        yield* routings.finish([{ id, leaseUntil: at(12_000), result: failed("retrying", false, true), timing: { at: at(3000), durationMs: 5 } }])
        expect(yield* routings.claim(id, at(4000), at(14_000))).toEqual(Option.some({ needsLookup: false, attempts: 1, rateLimitedSince: null }))
        yield* routings.finish([{ id, leaseUntil: at(14_000), result: failed("retrying", true, false), timing: { at: at(5000), durationMs: 5 } }])
        expect(yield* routings.claim(id, at(6000), at(16_000))).toEqual(Option.some({ needsLookup: true, attempts: 2, rateLimitedSince: null }))
        expect(yield* routings.claim(id, at(15_000), at(25_000))).toEqual(Option.none())
        expect(yield* routings.claim(id, at(17_000), at(27_000))).toEqual(Option.some({ needsLookup: true, attempts: 2, rateLimitedSince: null }))
        yield* routings.finish([{ id, leaseUntil: at(27_000), result: failed("failed", true, true), timing: { at: at(18_000), durationMs: 5 } }])
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ syncStatus: "failed", attempts: 3, lastError: "boom" })
        expect((yield* routings.attempts(id)).map((a) => a.at)).toEqual([at(1000), at(3000), at(5000), at(18_000)])
        expect(yield* routings.reopen(id, at(19_000))).toBe(true)
        expect(Option.getOrThrow(yield* routings.get(id)).routing).toMatchObject({ syncStatus: "pending", attempts: 0 })
        expect(yield* routings.reopen(id, at(19_000))).toBe(false)
        expect(yield* routings.cancel(id, at(20_000))).toBe(true)
        expect(yield* routings.claim(id, at(21_000), at(31_000))).toEqual(Option.none())
      }))

    it.effect("a claim tells since when the routing has been answered only 429; another outcome or a reopen ends it", () =>
      Effect.gen(function*() {
        const { routings, id } = yield* oneRouting
        const limited = { _tag: "Failed", status: "retrying", outcome: "rate_limited", error: "429", counts: false, known: true } as const
        const claimAt = (ms: number) => Effect.map(routings.claim(id, at(ms), at(ms + 500)), Option.getOrThrow)
        // Each result comes under the claim made a second before it, leased for half a second.
        const finishAt = (ms: number, result: Parameters<typeof routings.finish>[0][number]["result"]) =>
          routings.finish([{ id, leaseUntil: at(ms - 500), result, timing: { at: at(ms), durationMs: 5 } }])
        expect((yield* claimAt(0)).rateLimitedSince).toBeNull()
        yield* finishAt(1000, limited)
        expect((yield* claimAt(2000)).rateLimitedSince).toEqual(at(1000))
        yield* finishAt(3000, limited)
        const [many] = (yield* routings.getAndClaimMany([{ id, leaseUntil: at(4500) }], at(4000))).claims.values()
        expect(many).toEqual({ needsLookup: false, attempts: 0, rateLimitedSince: at(1000) })
        yield* finishAt(5000, failed("retrying", true, true))
        expect((yield* routings.claimMany([{ id, leaseUntil: at(6500) }], at(6000))).get(id)?.rateLimitedSince).toBeNull()
        yield* finishAt(7000, limited)
        expect((yield* claimAt(8000)).rateLimitedSince).toEqual(at(7000))
        yield* finishAt(9000, { ...limited, status: "failed", counts: true })
        expect(yield* routings.reopen(id, at(10_000))).toBe(true)
        expect((yield* claimAt(11_000)).rateLimitedSince).toBeNull()
      }))

    it.effect("waiting routings: old enough, still to deliver, no unpublished event; each with its job's priority", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const [creator, receiver] = [makeCompany(), makeCompany()]
        yield* Effect.forEach([creator, receiver], companies.insert)
        const old = makeJob(creator.id, [receiver.id, receiver.id], { createdAt: at(-500_000_000), priority: "high" })
        yield* (yield* JobRepo).insert([old])
        const routings = yield* RoutingRepo
        const outbox = yield* OutboxRepo
        const [withEvent, without] = old.routings
        yield* outbox.append([{
          id: EventId.make(uuid()),
          aggregateId: withEvent!.id,
          type: "routing.created",
          payload: {},
          traceparent: null,
          createdAt: at(-500_000_000)
        }])
        const waiting = (yield* routings.waiting(at(-400_000_000), 1000)).filter((w) => w.jobId === old.id)
        expect(waiting).toEqual([{ routingId: without!.id, jobId: old.id, companyId: receiver.id, priority: "high" }])
        expect(yield* routings.waiting(at(-400_000_000), 1000, receiver.id)).toEqual(waiting)
        expect(yield* routings.waiting(at(-400_000_000), 1000, creator.id)).toEqual([])
        yield* routings.touch([without!.id], at(-300_000_000))
        expect((yield* routings.waiting(at(-400_000_000), 1000)).filter((w) => w.jobId === old.id)).toEqual([])
      }))

    it.effect("the outbox hands out unpublished events to claim and forgets them once marked published", () =>
      Effect.gen(function*() {
        const outbox = yield* OutboxRepo
        const transactions = yield* Transactions
        const event = {
          id: EventId.make(uuid()),
          aggregateId: uuid(),
          type: "routing.created",
          payload: { x: 1 },
          traceparent: null,
          createdAt: at(-900_000_000)
        }
        yield* outbox.append([event])
        const backlog = yield* outbox.backlog(new Date())
        expect(backlog.pending).toBeGreaterThanOrEqual(1)
        expect(backlog.oldestDueAt!.getTime()).toBeLessThanOrEqual(event.createdAt.getTime())
        const claimed = yield* transactions.run(outbox.claimUnpublished(10_000, new Date(), "immediate"))
        expect(claimed.map((e) => e.id)).toContain(event.id)
        yield* outbox.markPublished([event.id], at(1))
        expect((yield* outbox.pending(10_000)).map((e) => e.id)).not.toContain(event.id)
      }))

    it.effect("the mock provider's record takes leads in one write, in order, and counts leads and duplicates per company", () =>
      Effect.gen(function*() {
        const leads = yield* MockLeadStore
        const company = CompanyId.make(uuid())
        const lead = (externalId: string, n: number) => ({
          leadId: `mock-${uuid()}`,
          companyId: company,
          externalId,
          payload: { n },
          receivedAt: at(n)
        })
        yield* leads.record([lead("r1", 1), lead("r2", 2), lead("r1", 3)])
        yield* leads.record([lead("r4", 4)])
        yield* leads.record([])
        const page = yield* leads.list(company, 3)
        expect(page.total).toBe(4)
        expect(page.duplicates).toBe(1)
        expect(page.items.map((l) => l.receivedAt)).toEqual([at(4), at(3), at(2)])
        expect(Option.getOrThrow(yield* leads.findByExternalId(company, "r2")).payload).toEqual({ n: 2 })
        expect(yield* leads.findByExternalId(company, "r3")).toEqual(Option.none())
        expect(yield* leads.findByExternalId(CompanyId.make(uuid()), "r1")).toEqual(Option.none())
      }))
  })
