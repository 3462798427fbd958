import { expect, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, type Layer, Option } from "effect"
import { CompanyId } from "../../src/domain/ids.ts"
import { CompanyRepo, TechnicianRepo } from "../../src/services/Companies.ts"
import { at, makeCompany, makeTechnician, skill, uniqueSkill, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

const sealed = { keyId: "k1", data: "c2VhbGVk" }

/** Rotates the company's credentials of `type` to `credentials`; answers whether it had some to rotate. */
const rotateTo = (id: CompanyId, type: "jobber" | "servicetitan", credentials: typeof sealed) =>
  Effect.flatMap(CompanyRepo, (repo) =>
    repo.rotateCredentials(id, type, (current) => Effect.succeed({ replace: Option.some({ credentials, now: at(4) }), result: Option.isSome(current) })))


/** The behaviour every implementation of the company and technician repositories must have; run against each layer. */
export const companyContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
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
  })
