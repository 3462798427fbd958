import { Effect } from "effect"
import type { Job, Routing } from "../../../src/domain/job.ts"
import { dueAt } from "../../../src/domain/schedule.ts"
import { percentileDisc } from "../../../src/domain/sla.ts"
import { byDue, type SlaBreach, SlaRepo } from "../../../src/services/Sla.ts"
import { repository } from "./store.ts"

const MINUTE = 60_000

const notDelivered = (routing: Routing) =>
  routing.syncStatus === "pending" || routing.syncStatus === "retrying" || routing.syncStatus === "syncing" ||
  routing.syncStatus === "failed"

/** Latency from when the routing was due to the provider's acceptance, as PostgreSQL records it when it becomes synced. */
const deliveryMs = (job: Job, routing: Routing): number | null =>
  routing.syncStatus === "synced" && routing.syncedAt !== null
    ? Math.max(0, routing.syncedAt.getTime() - dueAt(job).getTime())
    : null

/** The SLA queries over the memory store, computing what the PostgreSQL layer does (`percentile_disc` included). */
export const layerMemory = repository(SlaRepo, (store) =>
  SlaRepo.of({
    summary: ({ from, limitMs, to }) =>
      Effect.sync(() => {
        const latencies: Array<number> = []
        let breaches = 0
        for (const job of store.state.jobs.values()) {
          if (job.createdAt < from || job.createdAt > to) continue
          for (const routing of job.routings) {
            const latency = deliveryMs(job, routing)
            if (latency !== null) latencies.push(latency)
            const late = latency !== null && latency > limitMs
            const overdue = notDelivered(routing) && dueAt(job).getTime() < to.getTime() - limitMs
            if (late || overdue) breaches++
          }
        }
        latencies.sort((a, b) => a - b)
        return {
          delivered: latencies.length,
          p50Ms: percentileDisc(latencies, 0.5),
          p95Ms: percentileDisc(latencies, 0.95),
          p99Ms: percentileDisc(latencies, 0.99),
          breaches
        }
      }),

    perMinute: (from, to) =>
      Effect.sync(() => {
        const counts = new Map<number, { jobs: number; deliveries: number }>()
        const count = (at: Date | null, field: "jobs" | "deliveries") => {
          if (at === null || at < from || at >= to) return
          const minute = Math.floor(at.getTime() / MINUTE) * MINUTE
          const entry = counts.get(minute) ?? { jobs: 0, deliveries: 0 }
          entry[field]++
          counts.set(minute, entry)
        }
        for (const job of store.state.jobs.values()) {
          count(job.createdAt, "jobs")
          for (const routing of job.routings) count(routing.syncedAt, "deliveries")
        }
        return [...counts].sort(([a], [b]) => a - b).map(([minute, c]) => ({ minute: new Date(minute), ...c }))
      }),

    claimBreaches: (dueBefore, now, limit) =>
      Effect.sync(() => {
        const due: Array<SlaBreach> = []
        for (const job of store.state.jobs.values()) {
          if (dueAt(job) >= dueBefore) continue
          for (const routing of job.routings) {
            if (notDelivered(routing) && !store.state.slaBreachLogged.has(routing.id)) {
              due.push({
                routingId: routing.id,
                jobId: job.id,
                companyId: routing.companyId,
                dueAt: dueAt(job),
                syncStatus: routing.syncStatus
              })
            }
          }
        }
        const claimed = due.sort(byDue).slice(0, limit)
        for (const breach of claimed) store.state.slaBreachLogged.set(breach.routingId, now)
        return claimed
      })
  }))
