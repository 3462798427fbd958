import { Effect } from "effect"
import { matchAsSeenBy } from "../src/domain/access.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import type { MatchCriteria } from "../src/domain/job.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { findMatches } from "./matching.ts"

/**
 * What matching would answer for a job, without writing anything. A company key previews as its own company and sees
 * the scores and reasons without the other companies' ids or names.
 */
export const previewMatches = Effect.fn("Matching.preview")(function*(criteria: MatchCriteria, creator: CompanyId | null) {
  const principal = yield* CurrentPrincipal
  const matches = yield* findMatches(criteria, principal.role === "company" ? principal.companyId : creator)
  return matches.map((match) => matchAsSeenBy(principal, match))
})
