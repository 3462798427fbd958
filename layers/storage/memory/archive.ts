import { Effect, Option } from "effect"
import type { Job } from "../../../src/domain/job.ts"
import { ArchiveRepo, finishedJobStatuses } from "../../../src/services/Archive.ts"
import { repository } from "./store.ts"

const finished = new Set<string>(finishedJobStatuses)

/** When the job or any of its routings last changed. */
const lastChange = (job: Job): number =>
  Math.max(job.updatedAt.getTime(), ...job.routings.map((r) => r.updatedAt.getTime()))

const oldestChangeFirst = (a: Job, b: Job) =>
  a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** The archive in the memory store, for tests and beside the memory repositories. */
export const layerMemory = repository(ArchiveRepo, (store) =>
  ArchiveRepo.of({
    archiveBatch: (olderThan, archivedAt, limit) =>
      Effect.sync(() => {
        const state = store.state
        const due = Array.from(state.jobs.values())
          .filter((job) => finished.has(job.status) && lastChange(job) < olderThan.getTime())
          .sort(oldestChangeFirst)
          .slice(0, limit)
        for (const job of due) {
          state.archivedJobs.set(job.id, {
            job,
            attempts: new Map(job.routings.map((r) => [r.id, state.attempts.get(r.id) ?? []])),
            archivedAt
          })
          state.jobs.delete(job.id)
          for (const routing of job.routings) {
            state.attempts.delete(routing.id)
            state.leases.delete(routing.id)
          }
        }
        return due.map((job) => job.id)
      }),

    deletePublishedOutbox: (olderThan, limit) =>
      Effect.sync(() => {
        const doomed = Array.from(store.state.outbox.values())
          .flatMap((e) => e.publishedAt !== null && e.publishedAt < olderThan ? [{ id: e.id, at: e.publishedAt.getTime() }] : [])
          .sort((a, b) => a.at - b.at)
          .slice(0, limit)
        for (const event of doomed) store.state.outbox.delete(event.id)
        return doomed.length
      }),

    deleteArchivedBefore: (before, limit) =>
      Effect.sync(() => {
        const doomed = Array.from(store.state.archivedJobs.values())
          .filter((a) => a.archivedAt < before)
          .sort((a, b) => a.archivedAt.getTime() - b.archivedAt.getTime())
          .slice(0, limit)
        for (const archived of doomed) store.state.archivedJobs.delete(archived.job.id)
        return doomed.length
      }),

    findArchivedJob: (id) => Effect.sync(() => Option.fromNullable(store.state.archivedJobs.get(id)))
  }))
