import { Effect } from "effect"
import type { CompanyId } from "../src/domain/ids.ts"
import type { MatchCriteria } from "../src/domain/job.ts"
import { rankMatches } from "../src/domain/matching.ts"
import { CompanyDirectory } from "../src/services/CompanyDirectory.ts"
import { MatchSettings } from "../src/services/Settings.ts"

/** The companies a job with these criteria would be routed to, best first; `exclude` is the creating company. */
export const findMatches = Effect.fn("Matching.find")(function*(criteria: MatchCriteria, exclude: CompanyId | null) {
  const index = yield* (yield* CompanyDirectory).current
  const limits = yield* MatchSettings
  return rankMatches(criteria, index.candidates(criteria, exclude, limits), limits)
})
