import type { Job, Routing } from "./job.ts"
import type { Match } from "./matching.ts"
import { type Principal, seesAll } from "./principal.ts"

/**
 * True when `principal` may see what the receiving company's provider said of the routing (its errors and the
 * revenue): the admin, a viewer and the receiving company only.
 */
export const seesProviderDetails = (principal: Principal, routing: Routing) =>
  seesAll(principal) || routing.companyId === principal.companyId

/** The routing without what its provider said (errors, revenue), for a company other than the receiving one. */
const withoutProviderDetails = (routing: Routing): Routing => ({ ...routing, lastError: null, revenue: null })

/**
 * The job as `principal` may see it: everything for the admin and a viewer; for the creating company every routing's status, but
 * another company's provider errors and revenue left out; for a company that received a routing, only its own routing
 * (it must not learn who else was offered the job); undefined for anyone else.
 */
export const jobAsSeenBy = (principal: Principal, job: Job): Job | undefined => {
  if (seesAll(principal)) return job
  if (job.createdByCompanyId === principal.companyId) {
    return { ...job, routings: job.routings.map((r) => (seesProviderDetails(principal, r) ? r : withoutProviderDetails(r))) }
  }
  const own = job.routings.filter((r) => r.companyId === principal.companyId)
  return own.length > 0 ? { ...job, routings: own } : undefined
}

/**
 * A match (or an exclusion from matching) as a caller may see it: a company key sees the score and its reasons, not
 * which company they belong to.
 */
export type MatchSeen<M extends CompanyNamed = Match> =
  & Omit<M, "companyId" | "companyName">
  & Partial<Pick<M, "companyId" | "companyName">>

type CompanyNamed = Pick<Match, "companyId" | "companyName">

/** The match as `principal` may see it: everything for the admin and a viewer, no other company's id or name for a company key. */
export const matchAsSeenBy = <M extends CompanyNamed>(principal: Principal, match: M): MatchSeen<M> => {
  if (seesAll(principal)) return match
  const { companyId: _id, companyName: _name, ...anonymous } = match
  return anonymous
}
