import { z } from "@hono/zod-openapi"
import { cronProblem, timeZoneProblem } from "../../domain/pollSchedule.ts"
import { MAX_SERVICE_AREAS, SERVICE_AREA_PATTERN } from "../../domain/serviceAreas.ts"
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
  .openapi({ description: "How often delivered leads are polled for their status, in seconds; null: POLL_INTERVAL_SECONDS" })

/** A check of the domain's (`cronProblem`, `timeZoneProblem`) as a refinement: its answer is the issue's message. */
const checked = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value)
  if (message !== undefined) ctx.addIssue({ code: "custom", message })
}

const PollSchedule = z.string().max(200).superRefine(checked(cronProblem)).openapi({
  description: "When delivered leads are polled: a cron expression of five fields (minute hour day-of-month month " +
    "day-of-week), read in time_zone; wins over poll_interval_seconds. null: polled on the interval",
  example: "*/30 8-18 * * 1-5"
})

const TimeZone = z.string().max(64).superRefine(checked(timeZoneProblem)).openapi({
  description: "The IANA time zone poll_schedule is read in (daylight saving time included); null: UTC",
  example: "America/Chicago"
})

const ServiceAreas = z.array(z.string().regex(SERVICE_AREA_PATTERN, "a ZIP code (5 digits) or a ZIP prefix (1 to 4 digits)"))
  .max(MAX_SERVICE_AREAS)
  .superRefine((areas, ctx) => {
    const seen = new Set<string>()
    areas.forEach((area, i) => {
      if (seen.has(area)) ctx.addIssue({ code: "custom", path: [i], message: `${area} is listed twice` })
      seen.add(area)
    })
  })
  .openapi({
    description: "The ZIP codes (5 digits) and ZIP prefixes (1 to 4 digits: \"627\" is every ZIP starting 627) the " +
      `company serves, at most ${MAX_SERVICE_AREAS}, each once (a duplicate is refused); a job is matched only to ` +
      "companies serving its ZIP code. Empty: everywhere, jobs without a ZIP code included",
    example: ["62701", "627"]
  })

export const CreateCompanyBody = z.strictObject({
  name: Name,
  status: CompanyStatusInput.default("active"),
  skills: SkillListInput.default([]),
  provider: ProviderInput.optional(),
  rate_limit_per_minute: RateLimit.default(50),
  delivery_concurrency: Concurrency.default(1),
  poll_interval_seconds: PollInterval.nullable().default(null),
  poll_schedule: PollSchedule.nullable().default(null),
  time_zone: TimeZone.nullable().default(null),
  service_areas: ServiceAreas.default([])
}).openapi("CreateCompany")

const companyChanges = {
  name: Name.optional(),
  status: CompanyStatusInput.optional(),
  rate_limit_per_minute: RateLimit.optional(),
  delivery_concurrency: Concurrency.optional(),
  poll_interval_seconds: PollInterval.nullable().optional(),
  poll_schedule: PollSchedule.nullable().optional(),
  time_zone: TimeZone.nullable().optional(),
  service_areas: ServiceAreas.optional()
}

/** `a, b or c`. */
const listed = (names: ReadonlyArray<string>) => `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`

export const PatchCompanyBody = z.strictObject(companyChanges).refine(
  (b) => Object.keys(b).length > 0,
  `${listed(Object.keys(companyChanges))} is needed`
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
    .openapi({ description: "Status polling interval of this company, in seconds; null: POLL_INTERVAL_SECONDS" }),
  poll_schedule: z.string().nullable()
    .openapi({ description: "Cron expression (five fields, in time_zone) the company's leads are polled on; wins over the interval" }),
  time_zone: z.string().nullable().openapi({ description: "IANA time zone of poll_schedule; null: UTC" }),
  service_areas: z.array(z.string()).openapi({
    description: "The ZIP codes and ZIP prefixes the company serves; empty: everywhere",
    example: ["62701", "627"]
  }),
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


/** What `POST /companies/{id}/poll` did. */
export const PollView = z.object({
  polled: z.number().int().openapi({ description: "Open leads (delivered, not completed or canceled) asked about" }),
  changed: z.number().int().openapi({ description: "Of those, leads whose status, revenue or completion changed" })
}).openapi("PollResult")

export const ProviderCheckView = z.object({
  ok: z.boolean(),
  error: z.string().optional().openapi({ description: "Why the provider refused, when it did; never a secret" })
}).openapi("ProviderCheck")
