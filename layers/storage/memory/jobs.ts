import { Effect, Option } from "effect"
import type { RoutingId } from "../../../src/domain/ids.ts"
import { isCancelable, type Job } from "../../../src/domain/job.ts"
import { matchesSearch } from "../../../src/domain/jobSearch.ts"
import { JobRepo } from "../../../src/services/Jobs.ts"
import { isAfter, newestFirst, repository } from "./store.ts"

/** Jobs in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(JobRepo, (store) => {
  const jobs = () => store.state.jobs
  return JobRepo.of({
    insert: (inserted) =>
      Effect.sync(() => {
        for (const job of inserted) jobs().set(job.id, job)
      }),
    get: (id) => Effect.sync(() => Option.fromNullable(jobs().get(id))),
    list: (query) => {
      const seenBy = query.routingsSeenBy ?? null
      const seen = (j: Job) =>
        seenBy === null || j.createdByCompanyId === seenBy ? j.routings : j.routings.filter((r) => r.companyId === seenBy)
      return Effect.sync(() =>
        Array.from(jobs().values())
          .filter((j) =>
            (query.status === null || j.status === query.status) &&
            (query.involving === null || j.createdByCompanyId === query.involving ||
              j.routings.some((r) => r.companyId === query.involving)) &&
            (query.createdAfter === null || j.createdAt > query.createdAfter) &&
            (query.priority === null || j.priority === query.priority) &&
            (query.createdBefore == null || j.createdAt < query.createdBefore) &&
            (query.search == null || matchesSearch(j, query.search)) &&
            (query.externalId == null || seen(j).some((r) => r.externalId === query.externalId)) &&
            (query.routingStatus == null || seen(j).some((r) => r.syncStatus === query.routingStatus)) &&
            isAfter(j, query.after)
          )
          .sort(newestFirst)
          .slice(0, query.limit)
      )
    },
    cancelUndelivered: (id, now) =>
      Effect.sync(() => {
        const job = jobs().get(id)
        if (job === undefined) return []
        const canceled: Array<RoutingId> = []
        const routings = job.routings.map((r) => {
          if (!isCancelable(r)) return r
          canceled.push(r.id)
          return { ...r, syncStatus: "canceled" as const, updatedAt: now }
        })
        jobs().set(id, { ...job, routings })
        return canceled
      }),
    setStatus: (id, status, now) =>
      Effect.sync(() => {
        const job = jobs().get(id)
        if (job !== undefined) jobs().set(id, { ...job, status, updatedAt: now })
      })
  })
})
