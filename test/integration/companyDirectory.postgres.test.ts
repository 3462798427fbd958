import { expect, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schedule } from "effect"
import { layer as layerCompanyDirectory } from "../../layers/companyDirectory/inMemory.ts"
import * as IndexSignal from "../../layers/storage/companyIndexSignal.ts"
import type { Db } from "../../layers/storage/Db.ts"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { CompanyDirectory } from "../../src/services/CompanyDirectory.ts"
import { CompanyIndexRepo } from "../../src/services/CompanyIndexRepo.ts"
import type { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"
import { at, makeCompany, skill, uniqueSkill } from "../support/fixtures.ts"
import { layerFreshDb } from "../support/postgres.ts"

const storage = layerPostgresRepos.pipe(Layer.provideMerge(layerFreshDb()))

/** A replica's company directory of its own on the shared database, with or without notifications. */
const replica = (signal: Layer.Layer<CompanyIndexSignal, never, Db>) =>
  Layer.build(Layer.fresh(layerCompanyDirectory.pipe(Layer.provide(signal)))).pipe(
    Effect.map((context) => Context.get(context, CompanyDirectory))
  )

layer(storage, { excludeTestServices: true })("company directory on PostgreSQL", (it) => {
  it.scoped("a change committed through one replica is in another's index at its next use, without notifications", () =>
    Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const trade = uniqueSkill("plumbing")
      const company = makeCompany({ skills: [skill(trade, "expert")] })
      const [first, second] = [yield* replica(IndexSignal.layerNone), yield* replica(IndexSignal.layerNone)]
      const wanting = { requiredSkills: [trade], skillLevels: {}, category: null }
      const all = { maxRoutings: 100, minScore: 0 }
      expect((yield* first.current).candidates(wanting, null, all, null)).toEqual([])
      expect((yield* second.current).candidates(wanting, null, all, null)).toEqual([])
      yield* companies.insert(company)
      expect((yield* second.current).candidates(wanting, null, all, null).map((c) => c.companyId)).toEqual([company.id])
      yield* companies.update(company.id, { status: "suspended" }, at(1))
      expect((yield* first.current).candidates(wanting, null, all, null)).toEqual([])
    }))

  it.scoped("with LISTEN, the index catches up on a change before any job asks for it", () =>
    Effect.gen(function*() {
      const directory = yield* replica(IndexSignal.layerListen)
      const index = yield* directory.current
      const company = makeCompany()
      yield* (yield* CompanyRepo).insert(company)
      const stored = yield* (yield* CompanyIndexRepo).version
      yield* Effect.sync(() => index.version >= stored).pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (caughtUp) => caughtUp }),
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("the index did not catch up on NOTIFY") })
      )
      expect(index.hasCompany(company.id)).toBe(true)
    }))
})
