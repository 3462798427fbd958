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
 * two decimals, so rounding the score to 2 decimals is rounding that term, done exactly in integers (half up).
 */
const SCORE_HUNDREDTHS = {
  skillMatch: 300,
  levelAbove: 50,
  primarySkill: 150,
  activeProvider: 30
} as const

/** 300 × matched / required in hundredths, rounded half up. */
const skillMatchHundredths = (matched: number, required: number): number =>
  Math.floor((2 * SCORE_HUNDREDTHS.skillMatch * matched + required) / (2 * required))

/** How a company meets a job's wanted skills: how many it matched, how many above the required level, any primary. */
export interface SkillTally {
  readonly matched: number
  readonly aboveLevel: number
  readonly primary: boolean
  readonly hasActiveProvider: boolean
}

/** The terms of the API.md score in hundredths, for a job wanting `wanted` skills. */
const scoreTerms = (tally: SkillTally, wanted: number) => ({
  skill: skillMatchHundredths(tally.matched, wanted),
  level: SCORE_HUNDREDTHS.levelAbove * tally.aboveLevel,
  primary: tally.primary ? SCORE_HUNDREDTHS.primarySkill : 0,
  provider: tally.hasActiveProvider ? SCORE_HUNDREDTHS.activeProvider : 0
})

/** The API.md score, rounded to 2 decimals. */
export const scoreOf = (tally: SkillTally, wanted: number): number => {
  const terms = scoreTerms(tally, wanted)
  return (terms.skill + terms.level + terms.primary + terms.provider) / 100
}

/** A company's score for a job. */
export interface Ranked {
  readonly score: number
  readonly companyId: CompanyId
}

/** Best score first, ties by company id: the order companies are routed in. */
export const byScoreThenId = (a: Ranked, b: Ranked): number =>
  b.score - a.score || (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0)

/** The skills a job needs: its `required_skills`, or its category when it names none. */
export const wantedSkills = (criteria: MatchCriteria): ReadonlyArray<SkillName> =>
  criteria.requiredSkills.length > 0
    ? [...new Set(criteria.requiredSkills)]
    : criteria.category === null
    ? []
    : [criteria.category]

const points = (hundredths: number): string => `+${(hundredths / 100).toFixed(2)}`

/** How one company meets a job's wanted skills, and its score. */
interface Assessment {
  readonly candidate: MatchCandidate
  readonly companyId: CompanyId
  readonly wanted: ReadonlyArray<SkillName>
  readonly matched: ReadonlyArray<SkillName>
  readonly aboveLevel: ReadonlyArray<SkillName>
  readonly primary: ReadonlyArray<SkillName>
  readonly tally: SkillTally
  readonly score: number
}

const assess = (
  criteria: MatchCriteria,
  wanted: ReadonlyArray<SkillName>,
  candidate: MatchCandidate
): Assessment | undefined => {
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
  const tally = {
    matched: matched.length,
    aboveLevel: aboveLevel.length,
    primary: primary.length > 0,
    hasActiveProvider: candidate.hasActiveProvider
  }
  const score = scoreOf(tally, wanted.length)
  return { candidate, companyId: candidate.companyId, wanted, matched, aboveLevel, primary, tally, score }
}

/** The match of an assessed company, with the reason for its score in words. */
const toMatch = (a: Assessment): Match => {
  const terms = scoreTerms(a.tally, a.wanted.length)
  const missing = a.wanted.filter((s) => !a.matched.includes(s))
  const parts = [
    `matched ${a.matched.length} of ${a.wanted.length} skills (${a.matched.join(", ")}) ${points(terms.skill)}`,
    ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
    ...(terms.level > 0 ? [`above the required level in ${a.aboveLevel.join(", ")} ${points(terms.level)}`] : []),
    ...(terms.primary > 0 ? [`primary skill ${a.primary.join(", ")} ${points(terms.primary)}`] : []),
    ...(terms.provider > 0 ? [`active provider ${points(terms.provider)}`] : [])
  ]
  return {
    companyId: a.candidate.companyId,
    companyName: a.candidate.companyName,
    score: a.score,
    matchedSkills: a.matched,
    reason: `${parts.join("; ")}; score ${a.score.toFixed(2)}`
  }
}

/** Scores one company against a job per API.md; `undefined` when it has none of the wanted skills. */
export const scoreCandidate = (criteria: MatchCriteria, candidate: MatchCandidate): Match | undefined => {
  const assessed = assess(criteria, wantedSkills(criteria), candidate)
  return assessed === undefined ? undefined : toMatch(assessed)
}

/**
 * The companies a job is routed to: best score first (ties by company id), at least `minScore`, at most `maxRoutings`.
 * Only those get a reason written.
 */
export const rankMatches = (
  criteria: MatchCriteria,
  candidates: Iterable<MatchCandidate>,
  limits: MatchLimits
): ReadonlyArray<Match> => {
  const wanted = wantedSkills(criteria)
  const qualified: Array<Assessment> = []
  for (const candidate of candidates) {
    const assessed = assess(criteria, wanted, candidate)
    if (assessed !== undefined && assessed.score >= limits.minScore) qualified.push(assessed)
  }
  return qualified.sort(byScoreThenId).slice(0, limits.maxRoutings).map(toMatch)
}
