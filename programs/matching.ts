import { Effect } from "effect"
import type { CompanyId } from "../src/domain/ids.ts"
import type { MatchCriteria } from "../src/domain/job.ts"
import { rankMatches } from "../src/domain/matching.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { MatchSettings } from "../src/services/Settings.ts"

/** The companies a job with these criteria would be routed to, best first; `exclude` is the creating company. */
export const findMatches = Effect.fn("Matching.find")(function*(criteria: MatchCriteria, exclude: CompanyId | null) {
  const companies = yield* CompanyRepo
  const limits = yield* MatchSettings
  const candidates = yield* companies.findMatchCandidates(criteria, exclude, limits)
  return rankMatches(criteria, candidates, limits)
})
