import { describe, expect, it } from "@effect/vitest"
import { CompanyIndex, EMPTY_INDEX_VERSION, type IndexedCompany } from "../../src/domain/companyIndex.ts"
import { CompanyId, TechnicianId } from "../../src/domain/ids.ts"
import type { MatchCriteria } from "../../src/domain/job.ts"
import { rankMatches } from "../../src/domain/matching.ts"
import { SkillName } from "../../src/domain/skills.ts"
import { skill } from "../support/fixtures.ts"

const id = (n: number) => CompanyId.make(`00000000-0000-4000-8000-${String(n).padStart(12, "0")}`)
const company = (
  n: number,
  matchableSkills: IndexedCompany["matchableSkills"],
  serviceAreas: IndexedCompany["serviceAreas"] = []
): IndexedCompany => ({ id: id(n), name: `Company ${n}`, matchableSkills, serviceAreas })
const wanting = (skills: Array<string>, skillLevels: MatchCriteria["skillLevels"] = {}): MatchCriteria => ({
  requiredSkills: skills.map((s) => SkillName.make(s)),
  skillLevels,
  category: null
})
const all = { maxRoutings: 100, minScore: 0 }
const candidateIds = (index: CompanyIndex, criteria: MatchCriteria, exclude: CompanyId | null = null, zip: string | null = null) =>
  index.candidates(criteria, exclude, all, zip).map((c) => c.companyId).sort()

describe("company index", () => {
  it("finds the matchable companies having a wanted skill, each with only those skills, but the excluded one", () => {
    const index = new CompanyIndex()
    expect(index.version).toBe(EMPTY_INDEX_VERSION)
    index.apply({
      version: 3,
      companies: [
        company(1, [skill("plumbing", "expert", true), skill("hvac", "basic"), skill("roofing", "basic")]),
        company(2, [skill("hvac", "intermediate")]),
        company(3, []),
        company(4, [skill("plumbing", "basic")])
      ],
      technicians: []
    })
    expect(index.version).toBe(3)
    expect(index.candidates(wanting(["plumbing", "hvac"]), id(4), all, null)).toEqual([
      { companyId: id(1), companyName: "Company 1", skills: [skill("plumbing", "expert", true), skill("hvac", "basic")], hasActiveProvider: true },
      { companyId: id(2), companyName: "Company 2", skills: [skill("hvac", "intermediate")], hasActiveProvider: true }
    ])
    expect(candidateIds(index, { requiredSkills: [], skillLevels: {}, category: SkillName.make("roofing") })).toEqual([id(1)])
    expect(candidateIds(index, wanting(["plumbing"], { plumbing: "intermediate" }))).toEqual([id(1)])
    expect(index.candidates(wanting([]), null, all, null)).toEqual([])
    expect(index.hasCompany(id(3))).toBe(true)
    expect(index.hasCompany(id(5))).toBe(false)
  })

  it("takes changes in: a company's new skills replace its old ones, one no longer matchable drops out", () => {
    const index = new CompanyIndex()
    const technician = TechnicianId.make("00000000-0000-4000-8000-0000000000a1")
    index.apply({ version: 1, companies: [company(1, [skill("plumbing", "expert")]), company(2, [skill("plumbing", "basic")])], technicians: [] })
    index.apply({
      version: 2,
      companies: [company(1, [skill("hvac", "basic")]), company(2, [])],
      technicians: [{ id: technician, companyId: id(2) }]
    })
    expect(candidateIds(index, wanting(["plumbing"]))).toEqual([])
    expect(candidateIds(index, wanting(["hvac"]))).toEqual([id(1)])
    expect(index.companyOf(technician)).toBe(id(2))
    expect(index.companyOf(TechnicianId.make("00000000-0000-4000-8000-0000000000a2"))).toBeUndefined()
    expect(index.hasCompany(id(2))).toBe(true)
    expect(index.version).toBe(2)
    // A read that raced a newer one and lost: passed over.
    index.apply({ version: 2, companies: [company(2, [skill("plumbing", "basic")])], technicians: [] })
    index.apply({ version: 1, companies: [company(1, [skill("plumbing", "expert")])], technicians: [] })
    expect(candidateIds(index, wanting(["plumbing"]))).toEqual([])
    expect(index.version).toBe(2)
  })

  it("answers the best K by the API.md score, ties by company id, as ranking every matchable company would", () => {
    const levels = ["basic", "intermediate", "expert"] as const
    const [a, b, c] = ["a", "b", "c"]
    const companies = Array.from({ length: 48 }, (_, i) =>
      company(
        100 - i,
        [a, b, c]
          .filter((_, k) => (i >> k) % 2 === 1 || k === i % 3)
          .map((name, k) => skill(name, levels[(i + k) % 3]!, (i + k) % 4 === 0))
      ))
    const index = new CompanyIndex()
    index.apply({ version: 1, companies, technicians: [] })
    const everyone = companies.map((co) => ({ companyId: co.id, companyName: co.name, skills: co.matchableSkills, hasActiveProvider: true }))
    const cases = [
      wanting([a, b, c], { [a]: "intermediate", [b]: "basic" }),
      wanting([a, b, c]),
      wanting([a, b], { [a]: "expert", [b]: "expert" }),
      { requiredSkills: [], skillLevels: {}, category: SkillName.make(c) }
    ]
    for (const criteria of cases) {
      for (const maxRoutings of [1, 2, 3, 5, 8]) {
        const limits = { maxRoutings, minScore: maxRoutings === 5 ? 2.5 : 1 }
        const found = index.candidates(criteria, id(100), limits, null)
        expect(found.length).toBeLessThanOrEqual(maxRoutings)
        expect(rankMatches(criteria, found, limits)).toEqual(rankMatches(criteria, everyone.filter((e) => e.companyId !== id(100)), limits))
      }
    }
  })

  it("counts the level bonus and the primary bonus before the company id", () => {
    const criteria = wanting(["a", "b"], { a: "basic", b: "basic" })
    const index = new CompanyIndex()
    index.apply({
      version: 1,
      companies: [
        company(9, [skill("a", "expert"), skill("b", "intermediate")]),
        company(8, [skill("a", "basic", true), skill("b", "basic")]),
        company(1, [skill("a", "basic"), skill("b", "basic")]),
        company(2, [skill("a", "basic"), skill("b", "basic")])
      ],
      technicians: []
    })
    const top = (maxRoutings: number) =>
      rankMatches(criteria, index.candidates(criteria, null, { maxRoutings, minScore: 0 }, null), { maxRoutings, minScore: 0 })
        .map((m) => [m.companyId, m.score])
    expect(top(1)).toEqual([[id(8), 4.8]])
    expect(top(3)).toEqual([[id(8), 4.8], [id(9), 4.3], [id(1), 3.3]])
  })

  it("matches only the companies serving the job's ZIP code: an entry that is a prefix of it, or no list at all", () => {
    const index = new CompanyIndex()
    const plumbing = [skill("plumbing", "expert")]
    index.apply({
      version: 1,
      companies: [
        company(1, plumbing),
        company(2, plumbing, ["62701"]),
        company(3, plumbing, ["627", "90210"]),
        company(4, plumbing, ["6"]),
        company(5, plumbing, ["62702"]),
        company(6, [skill("hvac", "basic")], ["10001"])
      ],
      technicians: []
    })
    const job = wanting(["plumbing"])
    expect(candidateIds(index, job, null, "62701")).toEqual([id(1), id(2), id(3), id(4)])
    expect(candidateIds(index, job, null, "62799")).toEqual([id(1), id(3), id(4)])
    expect(candidateIds(index, job, null, "90210")).toEqual([id(1), id(3)])
    expect(candidateIds(index, job, null, null)).toEqual([id(1)])
    expect(index.excludedByArea(job, null, "90210")).toEqual([
      { companyId: id(2), companyName: "Company 2", reason: "does not serve 90210" },
      { companyId: id(4), companyName: "Company 4", reason: "does not serve 90210" },
      { companyId: id(5), companyName: "Company 5", reason: "does not serve 90210" }
    ])
    expect(index.excludedByArea(job, id(2), "90210").map((e) => e.companyId)).toEqual([id(4), id(5)])
    expect(index.excludedByArea(job, null, null).map((e) => e.reason)).toEqual(Array(4).fill("does not serve jobs without a ZIP code"))
    expect(index.excludedByArea(job, null, "62701").map((e) => e.companyId)).toEqual([id(5)])

    expect(candidateIds(index, job, null, "00501")).toEqual([id(1)])

    index.apply({ version: 2, companies: [company(5, plumbing, []), company(4, plumbing, ["0"])], technicians: [] })
    expect(candidateIds(index, job, null, "00501")).toEqual([id(1), id(4), id(5)])
    expect(candidateIds(index, job, null, "62701")).toEqual([id(1), id(2), id(3), id(5)])
    expect(candidateIds(index, job, null, "90210")).toEqual([id(1), id(3), id(5)])
    index.apply({ version: 3, companies: [company(1, plumbing, ["1"])], technicians: [] })
    expect(candidateIds(index, job, null, "90210")).toEqual([id(3), id(5)])
  })
})
