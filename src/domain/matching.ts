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

export const SKILL_MATCH_WEIGHT = 3.0
export const LEVEL_ABOVE_BONUS = 0.5
export const PRIMARY_SKILL_BONUS = 1.5
export const ACTIVE_PROVIDER_BONUS = 0.3

/** The skills a job needs: its `required_skills`, or its category when it names none. */
export const wantedSkills = (criteria: MatchCriteria): ReadonlyArray<SkillName> =>
  criteria.requiredSkills.length > 0
    ? [...new Set(criteria.requiredSkills)]
    : criteria.category === null
    ? []
    : [criteria.category]

const round2 = (n: number): number => Math.round((n + Number.EPSILON) * 100) / 100
const points = (n: number): string => `+${n.toFixed(2)}`

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

  const skillPoints = (SKILL_MATCH_WEIGHT * matched.length) / wanted.length
  const levelPoints = LEVEL_ABOVE_BONUS * aboveLevel.length
  const primaryPoints = primary.length > 0 ? PRIMARY_SKILL_BONUS : 0
  const providerPoints = candidate.hasActiveProvider ? ACTIVE_PROVIDER_BONUS : 0
  const score = round2(skillPoints + levelPoints + primaryPoints + providerPoints)

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
