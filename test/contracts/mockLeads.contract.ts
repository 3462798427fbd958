import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { CompanyId } from "../../src/domain/ids.ts"
import { MockLeadStore } from "../../src/services/MockLeads.ts"
import { at, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** The behaviour every implementation of the mock provider's lead store must have; run against each layer. */
export const mockLeadContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
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
