import { Effect } from "effect"
import type { CompanyId } from "../../../src/domain/ids.ts"
import type { Job, Routing } from "../../../src/domain/job.ts"
import { dueAt } from "../../../src/domain/schedule.ts"
import { dayStart, type ReportFigures, type ReportQuery, roundRevenue } from "../../../src/domain/reports.ts"
import { percentileDisc } from "../../../src/domain/sla.ts"
import { ReportsRepo } from "../../../src/services/Reports.ts"
import { repository } from "./store.ts"

/** A delivered routing as the reports count it. */
interface Delivered {
  readonly routing: Routing
  readonly syncedAt: Date
  readonly deliveryMs: number
}

/** The sums of a group of delivered routings, as the PostgreSQL queries make them. */
const figuresOf = (group: ReadonlyArray<Delivered>): ReportFigures => {
  const latencies = group.map((d) => d.deliveryMs).sort((a, b) => a - b)
  const completed = group.filter((d) => d.routing.externalStatus === "completed")
  return {
    delivered: group.length,
    completed: completed.length,
    canceled: group.filter((d) => d.routing.syncStatus === "canceled" || d.routing.externalStatus === "canceled").length,
    revenue: roundRevenue(completed.reduce((sum, d) => sum + (d.routing.revenue ?? 0), 0)),
    deliveryP50Ms: percentileDisc(latencies, 0.5),
    deliveryP95Ms: percentileDisc(latencies, 0.95)
  }
}

const groupBy = <K>(items: ReadonlyArray<Delivered>, key: (d: Delivered) => K): Map<K, Array<Delivered>> => {
  const groups = new Map<K, Array<Delivered>>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [item])
    else group.push(item)
  }
  return groups
}

/** The reports over the memory store, computing what the PostgreSQL layer does (`percentile_disc` included). */
export const layerMemory = repository(ReportsRepo, (store) => {
  const delivered = ({ companyId, from, to }: ReportQuery): Array<Delivered> => {
    const found: Array<Delivered> = []
    const add = (job: Job, routing: Routing) => {
      const syncedAt = routing.syncedAt
      if (syncedAt === null || syncedAt < from || syncedAt >= to) return
      if (companyId !== null && routing.companyId !== companyId) return
      found.push({ routing, syncedAt, deliveryMs: Math.max(0, syncedAt.getTime() - dueAt(job).getTime()) })
    }
    for (const job of store.state.jobs.values()) for (const routing of job.routings) add(job, routing)
    return found
  }

  return ReportsRepo.of({
    byCompany: (query) =>
      Effect.sync(() =>
        [...groupBy(delivered(query), (d) => d.routing.companyId)].map(([companyId, group]) => ({
          companyId: companyId as CompanyId,
          companyName: store.state.companies.get(companyId)?.name ?? "",
          ...figuresOf(group)
        })).sort((a, b) =>
          a.companyName < b.companyName ? -1 : a.companyName > b.companyName ? 1 : a.companyId < b.companyId ? -1 : 1
        )
      ),

    byDay: (query) =>
      Effect.sync(() =>
        [...groupBy(delivered(query), (d) => dayStart(d.syncedAt).getTime())]
          .sort(([a], [b]) => a - b)
          .map(([day, group]) => ({ day: new Date(day), ...figuresOf(group) }))
      )
  })
})
