import type { CompanyId, TechnicianId } from "./ids.ts"
import type { MatchCriteria } from "./job.ts"
import { byScoreThenId, type MatchCandidate, type MatchLimits, type Ranked, scoreOf, wantedSkills } from "./matching.ts"
import { areaKey, notServedReason, zipKeys } from "./serviceAreas.ts"
import { type CompanySkill, levelRank, type SkillName } from "./skills.ts"

/** A company as intake sees it: that it exists, its name, and its skills when it may be matched. */
export interface IndexedCompany {
  readonly id: CompanyId
  readonly name: string
  /** Its skills when it is matchable (status `active`, an active provider); none when it is not. */
  readonly matchableSkills: ReadonlyArray<CompanySkill>
  /** The ZIP codes and prefixes it serves; empty: everywhere. */
  readonly serviceAreas: ReadonlyArray<string>
}

/** A company left out of a job's matching although it has a skill the job wants, and why. */
export interface Exclusion {
  readonly companyId: CompanyId
  readonly companyName: string
  readonly reason: string
}

export interface IndexedTechnician {
  readonly id: TechnicianId
  readonly companyId: CompanyId
}

/**
 * The companies and technicians changed since a version, as they are at `version`. Versions only grow; every change
 * to a company (its skills, its provider's state) or a technician moves it. Companies and technicians are never deleted.
 */
export interface CompanyIndexChanges {
  readonly version: number
  readonly companies: ReadonlyArray<IndexedCompany>
  readonly technicians: ReadonlyArray<IndexedTechnician>
}

/** The version of an index that holds nothing yet: every change is newer. */
export const EMPTY_INDEX_VERSION = -1

/**
 * Every company and technician in memory, with the matchable companies by skill: what intake needs to check a job's
 * references and match it without reading the database. Brought forward by `apply`.
 */
export class CompanyIndex {
  private currentVersion = EMPTY_INDEX_VERSION
  private readonly companies = new Map<CompanyId, IndexedCompany>()
  private readonly technicians = new Map<TechnicianId, CompanyId>()
  /** For each skill, the matchable companies having it, at their level. */
  private readonly bySkill = new Map<SkillName, Map<CompanyId, CompanySkill>>()
  /** The keys (`areaKey`) of the service areas of the companies that list some: the others serve everywhere. */
  private readonly areas = new Map<CompanyId, ReadonlyArray<number>>()
  /** For each service area's key, the companies listing it. */
  private readonly byArea = new Map<number, Set<CompanyId>>()

  get version(): number {
    return this.currentVersion
  }

  /**
   * Takes in changes read since this index's version or an earlier one. Changes no newer than the index are passed
   * over, so that reads racing one another never take it back.
   */
  apply(changes: CompanyIndexChanges): void {
    if (changes.version <= this.currentVersion) return
    for (const company of changes.companies) {
      for (const skill of this.companies.get(company.id)?.matchableSkills ?? []) {
        this.bySkill.get(skill.skill)?.delete(company.id)
      }
      this.companies.set(company.id, company)
      this.setAreas(company.id, company.serviceAreas)
      for (const skill of company.matchableSkills) {
        let holders = this.bySkill.get(skill.skill)
        if (holders === undefined) {
          holders = new Map()
          this.bySkill.set(skill.skill, holders)
        }
        holders.set(company.id, skill)
      }
    }
    for (const technician of changes.technicians) this.technicians.set(technician.id, technician.companyId)
    this.currentVersion = changes.version
  }

  hasCompany(id: CompanyId): boolean {
    return this.companies.has(id)
  }

  /** The company the technician works for; undefined when there is no such technician. */
  companyOf(technician: TechnicianId): CompanyId | undefined {
    return this.technicians.get(technician)
  }

  private setAreas(id: CompanyId, serviceAreas: ReadonlyArray<string>): void {
    for (const key of this.areas.get(id) ?? []) this.byArea.get(key)?.delete(id)
    const keys = serviceAreas.map(areaKey)
    if (keys.length === 0) this.areas.delete(id)
    else this.areas.set(id, keys)
    for (const key of keys) {
      let listing = this.byArea.get(key)
      if (listing === undefined) {
        listing = new Set()
        this.byArea.set(key, listing)
      }
      listing.add(id)
    }
  }

  /**
   * Whether a company serves a job in `zip`, as a test made once per job: a company with no areas always does; one
   * with areas when it is among the companies listing one of the ZIP's five prefixes. Per company, a lookup in each
   * of those (at most five) sets, shared by every company, whatever the number of its entries.
   */
  private servesTest(zip: string | null): (companyId: CompanyId) => boolean {
    if (this.areas.size === 0) return () => true
    const listings = zipKeys(zip).flatMap((key) => this.byArea.get(key) ?? [])
    return (companyId) => !this.areas.has(companyId) || listings.some((listing) => listing.has(companyId))
  }

  /**
   * The matchable companies but `exclude` that serve `zip` (the job's ZIP code, null when it has none) and rank among
   * the job's best `limits.maxRoutings`, each with only the skills the job wants: `rankMatches` over them answers what
   * it would over every matchable company serving the ZIP. Companies are scored here without building their matches,
   * so a job costs one pass over the holders of its skills.
   */
  candidates(
    criteria: MatchCriteria,
    exclude: CompanyId | null,
    limits: MatchLimits,
    zip: string | null
  ): ReadonlyArray<MatchCandidate> {
    const wanted = wantedSkills(criteria)
    const servesZip = this.servesTest(zip)
    const tallies = new Map<CompanyId, { matched: number; aboveLevel: number; primary: boolean; hasActiveProvider: true }>()
    for (const skill of wanted) {
      const required = criteria.skillLevels[skill]
      const requiredRank = required === undefined ? 0 : levelRank(required)
      for (const [companyId, held] of this.bySkill.get(skill) ?? []) {
        const rank = levelRank(held.level)
        if (companyId === exclude || rank < requiredRank) continue
        let tally = tallies.get(companyId)
        if (tally === undefined) {
          if (!servesZip(companyId)) continue
          tally = { matched: 0, aboveLevel: 0, primary: false, hasActiveProvider: true }
          tallies.set(companyId, tally)
        }
        tally.matched += 1
        if (required !== undefined && rank > requiredRank) tally.aboveLevel += 1
        if (held.primary) tally.primary = true
      }
    }
    const best: Array<Ranked> = []
    for (const [companyId, tally] of tallies) {
      const ranked = { companyId, score: scoreOf(tally, wanted.length) }
      if (ranked.score < limits.minScore) continue
      if (best.length === limits.maxRoutings && byScoreThenId(ranked, best[best.length - 1]!) >= 0) continue
      best.splice(sortedIndex(best, ranked), 0, ranked)
      if (best.length > limits.maxRoutings) best.pop()
    }
    return best.map(({ companyId }) => ({
      companyId,
      companyName: this.companies.get(companyId)?.name ?? "",
      skills: wanted.flatMap((skill) => {
        const held = this.bySkill.get(skill)?.get(companyId)
        return held === undefined ? [] : [held]
      }),
      hasActiveProvider: true
    }))
  }

  /**
   * The matchable companies but `exclude` holding a skill the job wants at its level that do not serve `zip`, by
   * company id, each with its reason (`does not serve 90210`): what `candidates` left out for their service areas.
   */
  excludedByArea(criteria: MatchCriteria, exclude: CompanyId | null, zip: string | null): ReadonlyArray<Exclusion> {
    const wanted = wantedSkills(criteria)
    const servesZip = this.servesTest(zip)
    const excluded: Array<Exclusion> = []
    for (const companyId of this.areas.keys()) {
      if (companyId === exclude || servesZip(companyId)) continue
      const qualifies = wanted.some((skill) => {
        const held = this.bySkill.get(skill)?.get(companyId)
        const required = criteria.skillLevels[skill]
        return held !== undefined && (required === undefined || levelRank(held.level) >= levelRank(required))
      })
      if (qualifies) excluded.push({ companyId, companyName: this.companies.get(companyId)?.name ?? "", reason: notServedReason(zip) })
    }
    return excluded.sort((a, b) => (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0))
  }
}

/** Where `item` goes in `sorted` (best first). */
const sortedIndex = (sorted: ReadonlyArray<Ranked>, item: Ranked) => {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (byScoreThenId(sorted[middle]!, item) < 0) low = middle + 1
    else high = middle
  }
  return low
}
