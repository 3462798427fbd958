import type { CompanyId } from "./ids.ts"
import type { MatchCriteria } from "./job.ts"
import { type CompanySkill, levelRank, type SkillName } from "./skills.ts"

/** An eligible company and those of its skills that the job asks for. */
export interface MatchCandidate {
  readonly companyId: CompanyId
  readonly companyName: string
  readonly skills: ReadonlyArray<CompanySkill>
  readonly hasActiveProvider: boolean
}

export interface Match {
  readonly companyId: CompanyId
  readonly companyName: string
  readonly score: number
  readonly matchedSkills: ReadonlyArray<SkillName>
  readonly reason: string
}

export interface MatchLimits {
  readonly maxRoutings: number
  readonly minScore: number
}

/**
 * The weights of API.md in hundredths of a point. Only the skill term (3.0 × matched / required) can have more than
 * two decimals, so rounding the score to 2 decimals is rounding that term, done exactly in integers (half up). The
 * PostgreSQL ranking query uses the same integers, so both rank alike.
 */
export const SCORE_HUNDREDTHS = {
  skillMatch: 300,
  levelAbove: 50,
  primarySkill: 150,
  activeProvider: 30
} as const

/** 300 × matched / required in hundredths, rounded half up. */
export const skillMatchHundredths = (matched: number, required: number): number =>
  Math.floor((2 * SCORE_HUNDREDTHS.skillMatch * matched + required) / (2 * required))

/** The skills a job needs: its `required_skills`, or its category when it names none. */
export const wantedSkills = (criteria: MatchCriteria): ReadonlyArray<SkillName> =>
  criteria.requiredSkills.length > 0
    ? [...new Set(criteria.requiredSkills)]
    : criteria.category === null
    ? []
    : [criteria.category]

const points = (hundredths: number): string => `+${(hundredths / 100).toFixed(2)}`

/** Scores one company against a job per API.md; `undefined` when it has none of the wanted skills. */
export const scoreCandidate = (criteria: MatchCriteria, candidate: MatchCandidate): Match | undefined => {
  const wanted = wantedSkills(criteria)
  const bySkill = new Map(candidate.skills.map((s) => [s.skill as string, s]))
  const matched: Array<SkillName> = []
  const aboveLevel: Array<SkillName> = []
  const primary: Array<SkillName> = []
  for (const skill of wanted) {
    const has = bySkill.get(skill)
    if (has === undefined) continue
    const required = criteria.skillLevels[skill]
    if (required !== undefined && levelRank(has.level) < levelRank(required)) continue
    matched.push(skill)
    if (required !== undefined && levelRank(has.level) > levelRank(required)) aboveLevel.push(skill)
    if (has.primary) primary.push(skill)
  }
  if (matched.length === 0) return undefined

  const skillPoints = skillMatchHundredths(matched.length, wanted.length)
  const levelPoints = SCORE_HUNDREDTHS.levelAbove * aboveLevel.length
  const primaryPoints = primary.length > 0 ? SCORE_HUNDREDTHS.primarySkill : 0
  const providerPoints = candidate.hasActiveProvider ? SCORE_HUNDREDTHS.activeProvider : 0
  const score = (skillPoints + levelPoints + primaryPoints + providerPoints) / 100

  const missing = wanted.filter((s) => !matched.includes(s))
  const parts = [
    `matched ${matched.length} of ${wanted.length} skills (${matched.join(", ")}) ${points(skillPoints)}`,
    ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
    ...(aboveLevel.length > 0 ? [`above the required level in ${aboveLevel.join(", ")} ${points(levelPoints)}`] : []),
    ...(primaryPoints > 0 ? [`primary skill ${primary.join(", ")} ${points(primaryPoints)}`] : []),
    ...(providerPoints > 0 ? [`active provider ${points(providerPoints)}`] : [])
  ]
  return {
    companyId: candidate.companyId,
    companyName: candidate.companyName,
    score,
    matchedSkills: matched,
    reason: `${parts.join("; ")}; score ${score.toFixed(2)}`
  }
}

const byScoreThenId = (a: Match, b: Match): number =>
  b.score - a.score || (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0)

/** The companies a job is routed to: best score first (ties by company id), at least `minScore`, at most `maxRoutings`. */
export const rankMatches = (
  criteria: MatchCriteria,
  candidates: Iterable<MatchCandidate>,
  limits: MatchLimits
): ReadonlyArray<Match> => {
  const matches: Array<Match> = []
  for (const candidate of candidates) {
    const match = scoreCandidate(criteria, candidate)
    if (match !== undefined && match.score >= limits.minScore) matches.push(match)
  }
  return matches.sort(byScoreThenId).slice(0, limits.maxRoutings)
}
