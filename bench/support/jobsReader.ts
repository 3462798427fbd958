/**
 * Reads deliveries through routes both our service and the pg-boss peer have, for a service whose database the
 * benchmark does not read: the mock's lead count and duplicates from `GET /admin/providers/mock/leads` (all companies),
 * and each routing's `synced_at` from `GET /jobs/:id` (the mock's leads route answers at most 1,000 leads a company, too
 * few for the concentrated shape). The count is one cheap request, so jobs are read only once the mock holds a new lead
 * for every routing asked about, or when the count has stood still for a while (a lead is missing: show which).
 */
import { apiClient } from "../../test/support/client.ts"
import type { LeadReader } from "./backends.ts"

const QUIET_MS = 2_000
const READERS = 8

interface LeadCounts {
  readonly total: number
  readonly duplicates: number
}

interface JobView {
  readonly routings: ReadonlyArray<{ readonly id: string; readonly synced_at: string | null }>
}

/** A reader counting from now: leads recorded before it was made are not this benchmark's. */
export const jobsReader = async (baseUrl: string, apiKey: string): Promise<LeadReader> => {
  const api = apiClient(baseUrl, apiKey)
  const counts = (): Promise<LeadCounts> => api.get("/admin/providers/mock/leads?limit=1")
  const before = await counts()
  const asked = new Set<string>()
  const synced = new Map<string, number>()
  let total = before.total
  let changedAt = Date.now()
  let readAt = 0

  const readJobs = async (jobIds: ReadonlyArray<string>) => {
    let next = 0
    await Promise.all(Array.from({ length: READERS }, async () => {
      while (next < jobIds.length) {
        const job: JobView = await api.get(`/jobs/${jobIds[next++]}`)
        for (const r of job.routings) if (r.synced_at !== null) synced.set(r.id, Date.parse(r.synced_at))
      }
    }))
  }

  return {
    receivedAt: async (routings) => {
      for (const r of routings) asked.add(r.id)
      const now = Date.now()
      const latest = (await counts()).total
      if (latest !== total) [total, changedAt] = [latest, now]
      const allIn = total - before.total >= asked.size
      const quiet = now - changedAt >= QUIET_MS && now - readAt >= QUIET_MS
      if (allIn || quiet) {
        readAt = now
        await readJobs([...new Set(routings.filter((r) => !synced.has(r.id)).map((r) => r.jobId))])
      }
      return new Map(routings.flatMap((r) => (synced.has(r.id) ? [[r.id, synced.get(r.id)!] as const] : [])))
    },
    duplicates: async () => (await counts()).duplicates - before.duplicates
  }
}
