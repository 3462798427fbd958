import type { Job } from "./job.ts"
import type { Match } from "./matching.ts"
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

/** A match as a caller may see it: a company key sees the score and its reasons, not which company they belong to. */
export type MatchSeen = Omit<Match, "companyId" | "companyName"> & Partial<Pick<Match, "companyId" | "companyName">>

/** The match as `principal` may see it: everything for the admin, no other company's id or name for a company key. */
export const matchAsSeenBy = (principal: Principal, match: Match): MatchSeen => {
  if (principal.role === "admin") return match
  const { companyId: _id, companyName: _name, ...anonymous } = match
  return anonymous
}
