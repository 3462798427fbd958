import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { CircuitStore, type OpenCircuit } from "../../src/services/Circuits.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { makeCompany } from "../support/fixtures.ts"

type Services = CircuitStore | CompanyRepo

/** The behaviour every implementation of the open circuits' store must have; run against each layer. */
export const circuitsContract = <E>(name: string, services: Layer.Layer<Services, E>) =>
  layer(services)(`open circuits: ${name}`, (it) => {
    it.effect("a circuit recorded open is read back until it closes; a later opening replaces the earlier", () =>
      Effect.gen(function*() {
        const store = yield* CircuitStore
        const [a, b] = [makeCompany(), makeCompany()]
        yield* Effect.forEach([a, b], (yield* CompanyRepo).insert)
        const mine = (circuits: ReadonlyArray<OpenCircuit>) =>
          circuits.filter((c) => c.companyId === a.id || c.companyId === b.id)

        yield* store.opened({ companyId: a.id, opened: 1, until: new Date("2026-01-01T00:00:30Z") })
        yield* store.opened({ companyId: b.id, opened: 1, until: new Date("2026-01-01T00:00:40Z") })
        yield* store.opened({ companyId: a.id, opened: 2, until: new Date("2026-01-01T00:01:30Z") })
        const open = [...mine(yield* store.open)].sort((x, y) => x.until.getTime() - y.until.getTime())
        expect(open).toEqual([
          { companyId: b.id, opened: 1, until: new Date("2026-01-01T00:00:40Z") },
          { companyId: a.id, opened: 2, until: new Date("2026-01-01T00:01:30Z") }
        ])

        yield* store.closed(a.id)
        yield* store.closed(a.id)
        expect(mine(yield* store.open).map((c) => c.companyId)).toEqual([b.id])
        yield* store.closed(b.id)
        expect(mine(yield* store.open)).toEqual([])
      }))
  })
