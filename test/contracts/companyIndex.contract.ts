import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { EMPTY_INDEX_VERSION } from "../../src/domain/companyIndex.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { CompanyRepo, TechnicianRepo } from "../../src/services/Companies.ts"
import { CompanyIndexRepo } from "../../src/services/CompanyIndexRepo.ts"
import { Transactions } from "../../src/services/Transactions.ts"
import { at, makeCompany, makeTechnician, skill } from "../support/fixtures.ts"

type Services = CompanyRepo | TechnicianRepo | CompanyIndexRepo | Transactions

/** What changed since `version` among the given companies: each one's matchable skills by id. */
const changedSince = (version: number, ids: ReadonlyArray<CompanyId>) =>
  Effect.gen(function*() {
    const changes = yield* (yield* CompanyIndexRepo).changesSince(version)
    expect(changes.version).toBe(yield* (yield* CompanyIndexRepo).version)
    return {
      version: changes.version,
      companies: new Map(changes.companies.filter((c) => ids.includes(c.id)).map((c) => [c.id, c.matchableSkills])),
      technicians: changes.technicians
    }
  })

/** The behaviour every implementation of the company index's source must have; run against each layer. */
export const companyIndexContract = <E>(name: string, services: Layer.Layer<Services, E>) =>
  layer(services)(`company index source: ${name}`, (it) => {
    it.effect("answers every company and technician, with skills only for active companies with an active provider", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const skills = [skill("plumbing", "expert", true), skill("hvac", "basic")]
        const matchable = makeCompany({ name: "Matchable", skills })
        const inactive = makeCompany({ status: "inactive", skills })
        const noProvider = makeCompany({ provider: null, skills })
        const pausedProvider = makeCompany({ provider: { type: "mock", config: {}, credentials: null, active: false }, skills })
        const all = [matchable, inactive, noProvider, pausedProvider]
        yield* Effect.forEach(all, companies.insert)
        const technician = makeTechnician(inactive.id)
        yield* (yield* TechnicianRepo).insert(technician)

        const changes = yield* (yield* CompanyIndexRepo).changesSince(EMPTY_INDEX_VERSION)
        expect(changes.companies.filter((c) => all.some((a) => a.id === c.id))).toEqual(expect.arrayContaining([
          { id: matchable.id, name: "Matchable", matchableSkills: skills, serviceAreas: [] },
          { id: inactive.id, name: inactive.name, matchableSkills: [], serviceAreas: [] },
          { id: noProvider.id, name: noProvider.name, matchableSkills: [], serviceAreas: [] },
          { id: pausedProvider.id, name: pausedProvider.name, matchableSkills: [], serviceAreas: [] }
        ]))
        expect(changes.technicians).toContainEqual({ id: technician.id, companyId: inactive.id })
      }))

    it.effect("answers a company's service areas, and a change to them moves the version", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const index = yield* CompanyIndexRepo
        const company = makeCompany({ skills: [skill("plumbing", "basic")], serviceAreas: ["62701", "627"] })
        yield* companies.insert(company)
        const start = yield* index.version
        const areasOf = (since: number) =>
          Effect.map(index.changesSince(since), (changes) => changes.companies.find((c) => c.id === company.id)?.serviceAreas)
        expect(yield* areasOf(EMPTY_INDEX_VERSION)).toEqual(["62701", "627"])
        yield* companies.update(company.id, { serviceAreas: ["9"] }, at(1))
        expect(yield* index.version).toBeGreaterThan(start)
        expect(yield* areasOf(start)).toEqual(["9"])
        yield* companies.update(company.id, { serviceAreas: [] }, at(2))
        expect(yield* areasOf(start)).toEqual([])
      }))

    it.effect("the version moves with every change to a company, its skills, its provider or a technician", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const index = yield* CompanyIndexRepo
        const [a, b] = [makeCompany({ skills: [skill("roofing", "expert")] }), makeCompany()]
        const ids = [a.id, b.id]
        const start = yield* index.version
        yield* Effect.forEach([a, b], companies.insert)
        const inserted = yield* changedSince(start, ids)
        expect(inserted.version).toBeGreaterThan(start)
        expect([...inserted.companies.keys()].sort()).toEqual([...ids].sort())

        const steps: ReadonlyArray<readonly [Effect.Effect<unknown, unknown>, ReadonlyArray<unknown>]> = [
          [companies.update(a.id, { status: "suspended" }, at(1)), []],
          [companies.update(a.id, { status: "active" }, at(2)), [skill("roofing", "expert")]],
          [companies.replaceSkills(a.id, [skill("siding", "basic", true)], at(3)), [skill("siding", "basic", true)]],
          [companies.setProvider(a.id, { type: "mock", config: {}, credentials: null, active: false }, at(4)), []],
          [companies.setProvider(a.id, { type: "mock", config: {}, credentials: null, active: true }, at(5)), [skill("siding", "basic", true)]],
          [companies.setProvider(a.id, null, at(6)), []]
        ]
        let version = inserted.version
        for (const [change, skills] of steps) {
          yield* change
          const changed = yield* changedSince(version, ids)
          expect(changed.version).toBeGreaterThan(version)
          expect(changed.companies).toEqual(new Map([[a.id, skills]]))
          version = changed.version
        }

        const technician = makeTechnician(b.id)
        yield* (yield* TechnicianRepo).insert(technician)
        const hired = yield* changedSince(version, ids)
        expect(hired.technicians).toEqual([{ id: technician.id, companyId: b.id }])
        expect(hired.companies.size).toBe(0)

        const unchanged = yield* changedSince(hired.version, ids)
        expect(unchanged).toEqual({ version: hired.version, companies: new Map(), technicians: [] })
      }))

    it.effect("rotating credentials changes nothing the index holds, and a failed transaction leaves the version", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const index = yield* CompanyIndexRepo
        const company = makeCompany({ provider: { type: "jobber", config: {}, credentials: { keyId: "k1", data: "a" }, active: true } })
        yield* companies.insert(company)
        const before = yield* index.version
        yield* companies.rotateCredentials(company.id, "jobber", () =>
          Effect.succeed({ replace: Option.some({ credentials: { keyId: "k1", data: "b" }, now: at(1) }), result: undefined }))
        expect(Option.getOrThrow(yield* companies.get(company.id)).provider?.credentials).toEqual({ keyId: "k1", data: "b" })
        expect(yield* index.version).toBe(before)

        const dropped = makeCompany()
        const failed = yield* (yield* Transactions).run(companies.insert(dropped).pipe(Effect.zipRight(Effect.fail("boom" as const))))
          .pipe(Effect.flip)
        expect(failed).toBe("boom")
        expect(yield* index.version).toBe(before)
        expect((yield* changedSince(before, [dropped.id])).companies.size).toBe(0)
      }))
  })
