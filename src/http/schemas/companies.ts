import { z } from "@hono/zod-openapi"
import { rawText, SkillLevelInput, SkillNameInput, text, Timestamp } from "./common.ts"

export const CompanyStatusInput = z.enum(["active", "inactive", "suspended"])
export const ProviderTypeInput = z.enum(["servicetitan", "housecallpro", "jobber", "mock"])

const MAX_SKILLS = 100

export const SkillInput = z.strictObject({
  skill: SkillNameInput,
  level: SkillLevelInput,
  primary: z.boolean().default(false)
})

export const SkillListInput = z.array(SkillInput).max(MAX_SKILLS).superRefine((skills, ctx) => {
  const seen = new Set<string>()
  skills.forEach((s, i) => {
    if (seen.has(s.skill)) ctx.addIssue({ code: "custom", path: [i, "skill"], message: `skill ${s.skill} is listed twice` })
    seen.add(s.skill)
  })
})

const ConfigValue = z.union([rawText(2048), z.number(), z.boolean(), z.null()])

export const ProviderInput = z.strictObject({
  type: ProviderTypeInput,
  config: z.record(text(64), ConfigValue)
    .refine((c) => Object.keys(c).length <= 32, "at most 32 config entries")
    .default({}),
  credentials: z.record(text(64), rawText(8192))
    .refine((c) => Object.keys(c).length <= 16, "at most 16 credentials")
    .optional()
    .openapi({ description: "Write-only: stored encrypted, never returned. Omitted on PUT: keep the stored ones." }),
  active: z.boolean().default(true)
}).openapi("ProviderInput")

const Name = text(200)
const RateLimit = z.number().int().min(1).max(100_000)
const Concurrency = z.number().int().min(1).max(64)
const PollInterval = z.number().int().min(10).max(86_400)

export const CreateCompanyBody = z.strictObject({
  name: Name,
  status: CompanyStatusInput.default("active"),
  skills: SkillListInput.default([]),
  provider: ProviderInput.optional(),
  rate_limit_per_minute: RateLimit.default(50),
  delivery_concurrency: Concurrency.default(1)
}).openapi("CreateCompany")

export const PatchCompanyBody = z.strictObject({
  name: Name.optional(),
  status: CompanyStatusInput.optional(),
  rate_limit_per_minute: RateLimit.optional(),
  delivery_concurrency: Concurrency.optional(),
  poll_interval_seconds: PollInterval.nullable().optional()
    .openapi({ description: "How often delivered leads are polled for their status; null: the service's default" })
}).refine(
  (b) => Object.keys(b).length > 0,
  "name, status, rate_limit_per_minute, delivery_concurrency or poll_interval_seconds is needed"
)
  .openapi("PatchCompany")

/** The whole list of skills, as an array or as `{ "skills": [...] }`. */
export const PutSkillsBody = z.union([SkillListInput, z.strictObject({ skills: SkillListInput })]).openapi("PutSkills")

export const CreateTechnicianBody = z.strictObject({ name: Name }).openapi("CreateTechnician")

export const CompanyQuery = z.object({
  status: CompanyStatusInput.optional(),
  skill: SkillNameInput.optional()
})

export const CompanyView = z.object({
  id: z.string().openapi({ format: "uuid" }),
  name: z.string(),
  status: CompanyStatusInput,
  rate_limit_per_minute: z.number().int(),
  delivery_concurrency: z.number().int().openapi({ description: "Deliveries to the company's provider at once" }),
  delivery_paused: z.boolean().openapi({ description: "An operator paused delivery (POST /admin/companies/:id/pause)" }),
  poll_interval_seconds: z.number().int().nullable()
    .openapi({ description: "Status polling interval of this company; null: POLL_INTERVAL_SECONDS" }),
  skills: z.array(z.object({ skill: z.string(), level: SkillLevelInput, primary: z.boolean() })),
  provider: z.object({
    type: ProviderTypeInput,
    config: z.record(z.string(), z.unknown()),
    credentials_set: z.boolean(),
    active: z.boolean()
  }).nullable(),
  created_at: Timestamp,
  updated_at: Timestamp
}).openapi("Company")

export const TechnicianView = z.object({
  id: z.string().openapi({ format: "uuid" }),
  company_id: z.string().openapi({ format: "uuid" }),
  name: z.string(),
  created_at: Timestamp
}).openapi("Technician")


export const ProviderCheckView = z.object({
  ok: z.boolean(),
  error: z.string().optional().openapi({ description: "Why the provider refused, when it did; never a secret" })
}).openapi("ProviderCheck")
