import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { DAY_MS } from "../../src/domain/reports.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { ReportsRepo } from "../../src/services/Reports.ts"
import { at, makeCompany } from "../support/fixtures.ts"
import { deliveredLead } from "../support/reports.ts"
import { routedJob } from "../support/sla.ts"
import type { Repositories } from "./repositories.ts"

const HOUR = 3_600_000

/** The reports' sums; run against every implementation of the repositories. */
export const reportsContract = <E>(name: string, repositories: Layer.Layer<Repositories | ReportsRepo, E>) =>
  layer(repositories)(`Reports repository: ${name}`, (it) => {
    it.effect("sums the routings delivered in the period per company and per UTC day, percentiles by percentile_disc", () =>
      Effect.gen(function*() {
        const reports = yield* ReportsRepo
        const companies = yield* CompanyRepo
        const [creator, alpha, beta] = [
          makeCompany({ name: "Creator" }),
          makeCompany({ name: "Alpha, \"the first\"" }),
          makeCompany({ name: "Beta" })
        ]
        yield* Effect.forEach([creator, alpha, beta], companies.insert)
        const from = at(500 * DAY_MS)
        const to = new Date(from.getTime() + 3 * DAY_MS)
        const hour = (n: number) => new Date(from.getTime() + n * HOUR)

        // Alpha, the first day: ten deliveries of 100 ms to 1 s (written out of order), three completed, two canceled.
        const outcomes = [{ revenue: 100.5 }, { revenue: 200.25 }, { revenue: 0.1 }, "canceled_at_provider", "canceled_by_us"] as const
        yield* Effect.forEach([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], (k, i) =>
          deliveredLead(creator.id, alpha.id, hour(1 + i), k * 100, outcomes[i] ?? "open"))
        // Beta, the third day (the second has none): 50 ms and 70 ms, one completed.
        yield* deliveredLead(creator.id, beta.id, hour(50), 70, { revenue: 10 })
        yield* deliveredLead(creator.id, beta.id, hour(51), 50)
        // Not delivered, or delivered outside [from, to): none counted.
        yield* Effect.forEach(["pending", "failed", "canceled"] as const, (fate) => routedJob(creator.id, alpha.id, hour(2), fate))
        yield* deliveredLead(creator.id, alpha.id, new Date(from.getTime() - 1000), 999, { revenue: 5 })
        yield* deliveredLead(creator.id, beta.id, new Date(to.getTime() - 1000), 1000, { revenue: 5 })

        const alphaFigures = { delivered: 10, completed: 3, canceled: 2, revenue: 300.85, deliveryP50Ms: 500, deliveryP95Ms: 1000 }
        const betaFigures = { delivered: 2, completed: 1, canceled: 0, revenue: 10, deliveryP50Ms: 50, deliveryP95Ms: 70 }
        expect(yield* reports.byCompany({ from, to, companyId: null })).toEqual([
          { companyId: alpha.id, companyName: alpha.name, ...alphaFigures },
          { companyId: beta.id, companyName: beta.name, ...betaFigures }
        ])
        expect(yield* reports.byCompany({ from, to, companyId: beta.id })).toEqual([
          { companyId: beta.id, companyName: beta.name, ...betaFigures }
        ])
        expect(yield* reports.byDay({ from, to, companyId: null })).toEqual([
          { day: from, ...alphaFigures },
          { day: new Date(from.getTime() + 2 * DAY_MS), ...betaFigures }
        ])
        expect(yield* reports.byDay({ from, to, companyId: alpha.id })).toEqual([{ day: from, ...alphaFigures }])

        // A period starting mid-day counts that day's part only, under the day's start.
        expect(yield* reports.byDay({ from: hour(5), to: hour(9), companyId: null })).toEqual([
          { day: from, delivered: 4, completed: 0, canceled: 1, revenue: 0, deliveryP50Ms: 400, deliveryP95Ms: 600 }
        ])
      }))

    it.effect("answers nothing for a period with no delivery", () =>
      Effect.gen(function*() {
        const reports = yield* ReportsRepo
        const from = at(-700 * DAY_MS)
        const to = new Date(from.getTime() + 10 * DAY_MS)
        expect(yield* reports.byCompany({ from, to, companyId: null })).toEqual([])
        expect(yield* reports.byDay({ from, to, companyId: null })).toEqual([])
      }))
  })
