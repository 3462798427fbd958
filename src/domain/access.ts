import type { Job } from "./job.ts"
import type { Principal } from "./principal.ts"

/**
 * The job as `principal` may see it: everything for the admin and the creating company; for a company that received a
 * routing, only its own routing (it must not learn who else was offered the job); undefined for anyone else.
 */
export const jobAsSeenBy = (principal: Principal, job: Job): Job | undefined => {
  if (principal.role === "admin" || job.createdByCompanyId === principal.companyId) return job
  const own = job.routings.filter((r) => r.companyId === principal.companyId)
  return own.length > 0 ? { ...job, routings: own } : undefined
}
