import { Effect } from "effect"
import type { CompanyId } from "../src/domain/ids.ts"
import type { MatchCriteria } from "../src/domain/job.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { findMatches } from "./matching.ts"

/** What matching would answer for a job, without writing anything. A company key previews as its own company. */
export const previewMatches = Effect.fn("Matching.preview")(function*(criteria: MatchCriteria, creator: CompanyId | null) {
  const principal = yield* CurrentPrincipal
  return yield* findMatches(criteria, principal.role === "company" ? principal.companyId : creator)
})
