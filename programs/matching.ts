import { Effect } from "effect"
import type { CompanyId } from "../src/domain/ids.ts"
import type { MatchCriteria } from "../src/domain/job.ts"
import { rankMatches } from "../src/domain/matching.ts"
import { CompanyDirectory } from "../src/services/CompanyDirectory.ts"
import { MatchSettings } from "../src/services/Settings.ts"

/**
 * What matching answers for a job with these criteria in `zip` (its ZIP code, null when it has none): the companies it
 * would be routed to, best first, and the companies having a skill it wants that do not serve its ZIP, each with its
 * reason. `exclude` is the creating company.
 */
export const findMatches = Effect.fn("Matching.find")(function*(
  criteria: MatchCriteria,
  exclude: CompanyId | null,
  zip: string | null
) {
  const index = yield* (yield* CompanyDirectory).current
  const limits = yield* MatchSettings
  return {
    matches: rankMatches(criteria, index.candidates(criteria, exclude, limits, zip), limits),
    excluded: index.excludedByArea(criteria, exclude, zip)
  }
})
