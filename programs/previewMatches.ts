import { Effect } from "effect"
import { matchAsSeenBy } from "../src/domain/access.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import type { MatchCriteria } from "../src/domain/job.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { findMatches } from "./matching.ts"

/**
 * What matching would answer for a job in `zip` (null: a job without a ZIP code), without writing anything: the
 * matches, and the companies having a skill the job wants left out for not serving the ZIP, with the reason. A company
 * key previews as its own company and sees the scores and reasons without the other companies' ids or names.
 */
export const previewMatches = Effect.fn("Matching.preview")(function*(
  criteria: MatchCriteria,
  creator: CompanyId | null,
  zip: string | null
) {
  const principal = yield* CurrentPrincipal
  const found = yield* findMatches(criteria, principal.role === "company" ? principal.companyId : creator, zip)
  return {
    matches: found.matches.map((match) => matchAsSeenBy(principal, match)),
    excluded: found.excluded.map((exclusion) => matchAsSeenBy(principal, exclusion))
  }
})
