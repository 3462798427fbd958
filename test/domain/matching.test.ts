import { describe, expect, it } from "@effect/vitest"
import { CompanyId } from "../../src/domain/ids.ts"
import type { MatchCriteria } from "../../src/domain/job.ts"
import { type MatchCandidate, rankMatches, scoreCandidate } from "../../src/domain/matching.ts"
import { SkillName } from "../../src/domain/skills.ts"
import { skill } from "../support/fixtures.ts"

const id = (n: number) => CompanyId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`)
const candidate = (n: number, skills: MatchCandidate["skills"]): MatchCandidate => ({
  companyId: id(n),
  companyName: `Company ${n}`,
  skills,
  hasActiveProvider: true
})
const criteria = (required: Array<string>, levels: MatchCriteria["skillLevels"] = {}, category: string | null = null): MatchCriteria => ({
  requiredSkills: required.map((s) => SkillName.make(s)),
  skillLevels: levels,
  category: category === null ? null : SkillName.make(category)
})
const limits = { maxRoutings: 3, minScore: 1.0 }

describe("matching", () => {
  it("scores the worked example of API.md: 4.8 and 3.3", () => {
    const job = criteria(["plumbing", "electrical"], { plumbing: "expert", electrical: "intermediate" })
    const abc = candidate(1, [skill("plumbing", "expert", true), skill("electrical", "intermediate")])
    const xyz = candidate(2, [skill("electrical", "intermediate", true)])
    const ranked = rankMatches(job, [xyz, abc], limits)
    expect(ranked.map((m) => [m.companyName, m.score])).toEqual([["Company 1", 4.8], ["Company 2", 3.3]])
    expect(ranked[0]!.matchedSkills).toEqual(["plumbing", "electrical"])
    expect(ranked[1]!.matchedSkills).toEqual(["electrical"])
    expect(ranked[1]!.reason).toContain("missing plumbing")
    expect(ranked[0]!.reason).toContain("primary skill plumbing +1.50")
  })

  it("matches a skill at or above the required level only", () => {
    const job = criteria(["plumbing"], { plumbing: "intermediate" })
    expect(scoreCandidate(job, candidate(1, [skill("plumbing", "basic")]))).toBeUndefined()
    expect(scoreCandidate(job, candidate(1, [skill("plumbing", "intermediate")]))?.score).toBe(3.3)
    expect(scoreCandidate(job, candidate(1, [skill("plumbing", "expert")]))?.score).toBe(3.8)
  })

  it("gives the level bonus per skill above its level, and none where no level is asked", () => {
    const job = criteria(["plumbing", "hvac"], { plumbing: "basic", hvac: "basic" })
    expect(scoreCandidate(job, candidate(1, [skill("plumbing", "expert"), skill("hvac", "intermediate")]))?.score).toBe(4.3)
    const anyLevel = criteria(["plumbing"])
    expect(scoreCandidate(anyLevel, candidate(1, [skill("plumbing", "expert")]))?.score).toBe(3.3)
  })

  it("gives the primary bonus once however many primary skills match", () => {
    const job = criteria(["plumbing", "hvac"])
    const both = candidate(1, [skill("plumbing", "basic", true), skill("hvac", "basic", true)])
    expect(scoreCandidate(job, both)?.score).toBe(4.8)
  })

  it("gives the provider bonus only for an active provider", () => {
    const job = criteria(["plumbing"])
    expect(scoreCandidate(job, { ...candidate(1, [skill("plumbing", "basic")]), hasActiveProvider: false })?.score).toBe(3)
  })

  it("uses the category when no skill is required", () => {
    const job = criteria([], {}, "hvac")
    expect(scoreCandidate(job, candidate(1, [skill("hvac", "basic")]))?.matchedSkills).toEqual(["hvac"])
    expect(scoreCandidate(criteria([], {}, null), candidate(1, [skill("hvac", "basic")]))).toBeUndefined()
  })

  it("rounds the skill term half up to 2 decimals, exactly", () => {
    const eight = criteria(["a", "b", "c", "d", "e", "f", "g", "h"])
    expect(scoreCandidate(eight, candidate(1, [skill("a", "basic")]))?.score).toBe(0.68)
    const three = criteria(["a", "b", "c"])
    expect(scoreCandidate(three, candidate(1, [skill("a", "basic"), skill("b", "basic")]))?.score).toBe(2.3)
    const seven = criteria(["a", "b", "c", "d", "e", "f", "g"])
    expect(scoreCandidate(seven, candidate(1, [skill("a", "basic")]))?.score).toBe(0.73)
  })

  it("counts a required skill named twice once", () => {
    expect(scoreCandidate(criteria(["plumbing", "plumbing"]), candidate(1, [skill("plumbing", "basic")]))?.score).toBe(3.3)
  })

  it("ranks by score, breaks ties by company id, keeps the top K at or above the minimum", () => {
    const job = criteria(["plumbing", "hvac", "roofing"])
    const candidates = [
      candidate(5, [skill("plumbing", "basic")]),
      candidate(4, [skill("plumbing", "basic")]),
      candidate(3, [skill("plumbing", "basic"), skill("hvac", "basic")]),
      candidate(2, [skill("plumbing", "basic"), skill("hvac", "basic"), skill("roofing", "basic")]),
      candidate(1, [skill("roofing", "basic")])
    ]
    const ranked = rankMatches(job, candidates, limits)
    expect(ranked.map((m) => m.companyId)).toEqual([id(2), id(3), id(1)])
    expect(ranked.map((m) => m.score)).toEqual([3.3, 2.3, 1.3])
    expect(rankMatches(job, candidates, { maxRoutings: 10, minScore: 1.31 }).map((m) => m.companyId)).toEqual([id(2), id(3)])
    expect(rankMatches(job, [], limits)).toEqual([])
  })
})
