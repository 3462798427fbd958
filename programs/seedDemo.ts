import { Effect } from "effect"
import type { CompanySkill } from "../src/domain/skills.ts"
import { SkillName } from "../src/domain/skills.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { CurrentPrincipal } from "../src/services/CurrentPrincipal.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { createCompany } from "./companies.ts"
import { addTechnician } from "./technicians.ts"

const skill = (name: string, level: CompanySkill["level"], primary = false): CompanySkill => ({
  skill: SkillName.make(name),
  level,
  primary
})

const mockProvider = { type: "mock" as const, config: {}, credentials: undefined, active: true }

/** The demo's companies: one that creates jobs and four trades that receive them, all on the mock provider. */
const demoCompanies = [
  { name: "TradeEngage Partners", skills: [skill("general", "intermediate", true)] },
  { name: "ABC Plumbing", skills: [skill("plumbing", "expert", true), skill("electrical", "intermediate")] },
  { name: "XYZ Services", skills: [skill("electrical", "intermediate", true)] },
  { name: "Cool Air HVAC", skills: [skill("hvac", "expert", true), skill("electrical", "basic")] },
  { name: "Bright Spark Electric", skills: [skill("electrical", "expert", true), skill("plumbing", "basic")] }
]

/**
 * Seeds the demo when the database has no company yet (its first start): companies with skills and the mock provider,
 * and a technician of the job-creating company. All or nothing. Answers the creating company and technician, or none
 * when there was data already.
 */
export const seedDemo = Effect.fn("Demo.seed")(function*() {
  const companies = yield* CompanyRepo
  if ((yield* companies.list({ status: null, skill: null, limit: 1, after: null })).length > 0) return null
  const seeded = yield* (yield* Transactions).run(Effect.gen(function*() {
    const created = yield* Effect.forEach(demoCompanies, (c) =>
      createCompany({ ...c, status: "active", rateLimitPerMinute: 50, deliveryConcurrency: 1, provider: mockProvider }))
    const creator = created[0]!
    const technician = yield* addTechnician(creator.id, "Alex Rivera")
    return { creator, technician }
  }))
  yield* Effect.logInfo("demo data seeded").pipe(Effect.annotateLogs({ companies: demoCompanies.length }))
  return seeded
}, Effect.provideService(CurrentPrincipal, { role: "admin", keyId: null }))
