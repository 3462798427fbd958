import { type Company, companyDefaults } from "../../src/domain/company.ts"
import { CompanyId, JobId, RoutingId, TechnicianId } from "../../src/domain/ids.ts"
import type { NewJob } from "../../src/domain/intake.ts"
import { type Job, newRouting, type Routing } from "../../src/domain/job.ts"
import { type CompanySkill, SkillName } from "../../src/domain/skills.ts"
import { type Webhook, WebhookId } from "../../src/domain/webhook.ts"

export const uuid = () => crypto.randomUUID()

/** A skill name no other test uses, so tests sharing a database do not see each other's companies. */
export const uniqueSkill = (label = "skill") => SkillName.make(`${label}-${uuid().slice(0, 8)}`)

export const skill = (name: string, level: CompanySkill["level"], primary = false): CompanySkill => ({
  skill: SkillName.make(name),
  level,
  primary
})

/** Timestamps at whole milliseconds, as the service writes them. */
export const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms)

export const makeCompany = (overrides: Partial<Company> = {}): Company => ({
  ...companyDefaults,
  id: CompanyId.make(uuid()),
  name: "Acme Plumbing",
  status: "active",
  rateLimitPerMinute: 50,
  deliveryConcurrency: 1,
  skills: [],
  provider: { type: "mock", config: {}, credentials: null, active: true },
  createdAt: at(0),
  updatedAt: at(0),
  ...overrides
})

export const makeTechnician = (companyId: CompanyId) => ({
  id: TechnicianId.make(uuid()),
  companyId,
  name: "Alex",
  createdAt: at(0)
})

export const makeRouting = (jobId: JobId, companyId: CompanyId, overrides: Partial<Routing> = {}): Routing => ({
  ...newRouting({ id: RoutingId.make(uuid()), jobId }, { companyId, score: 4.8, matchedSkills: ["plumbing"], reason: "matched" }, at(0)),
  ...overrides
})

export const makeJob = (
  createdBy: CompanyId,
  receivers: ReadonlyArray<CompanyId>,
  overrides: Partial<Omit<Job, "routings">> = {}
): Job => {
  const id = overrides.id ?? JobId.make(uuid())
  const createdAt = overrides.createdAt ?? at(0)
  return {
    ...makeNewJob({ createdByCompanyId: createdBy }),
    id,
    status: receivers.length > 0 ? "pending" : "unmatched",
    matchingScore: receivers.length > 0 ? 4.8 : 0,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
    routings: receivers.map((companyId) => makeRouting(id, companyId, { createdAt, updatedAt: createdAt }))
  }
}

/** A plumbing job as a client asks for it, made by a fresh company with no technician, to deliver at once. */
export const makeNewJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  summary: "Kitchen faucet replacement",
  address: { street: "123 Main St", city: "Anytown", state: "CA", zipCode: "12345" },
  homeowner: { name: "John Doe", phone: "(555) 123-4567" },
  requiredSkills: [SkillName.make("plumbing")],
  skillLevels: { plumbing: "expert" },
  category: SkillName.make("plumbing"),
  priority: "normal",
  createdByCompanyId: CompanyId.make(uuid()),
  createdByTechnicianId: null,
  deliverAfter: null,
  ...overrides
})

/** An active webhook on `routing.synced` for every company, made at `at(0)`, with a stand-in sealed secret. */
export const makeHook = (overrides: Partial<Webhook> = {}): Webhook => ({
  id: WebhookId.make(uuid()),
  url: "https://example.com/hook",
  events: ["routing.synced"],
  companyId: null,
  secret: { keyId: "k1", data: "c2VhbGVk" },
  active: true,
  consecutiveFailures: 0,
  disabledAt: null,
  createdAt: at(0),
  ...overrides
})
