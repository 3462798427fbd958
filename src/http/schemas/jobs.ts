import { z } from "@hono/zod-openapi"
import { CompanyId, TechnicianId } from "../../domain/ids.ts"
import { MAX_SEARCH_LENGTH, parseSearch } from "../../domain/jobSearch.ts"
import { DateTimeInput, ErrorBody, idOf, isStorable, SkillLevelInput, SkillNameInput, text, Timestamp } from "./common.ts"

const MAX_REQUIRED_SKILLS = 20

export const AddressInput = z.strictObject({
  street: text(200),
  unit: text(50).optional(),
  city: text(100),
  state: text(50),
  zip_code: text(20)
})

export const HomeownerInput = z.strictObject({
  name: text(200),
  phone: text(40).optional(),
  email: z.email().max(254).optional()
})

/**
 * Skill levels in an object without a prototype: matching looks a level up by skill name, and a skill may be named
 * `constructor`, which a plain object would answer with Object's own member.
 */
const withoutPrototype = <V>(entries: ReadonlyArray<readonly [string, V]>): Record<string, V> =>
  Object.assign(Object.create(null) as Record<string, V>, Object.fromEntries(entries))

/** The fields matching reads. `skill_levels` may only name skills the job asks for. */
const matchFields = {
  required_skills: z.array(SkillNameInput).max(MAX_REQUIRED_SKILLS).default([]),
  skill_levels: z.record(z.string().max(256), SkillLevelInput)
    .transform((levels) => withoutPrototype(Object.entries(levels).map(([k, v]) => [k.trim().toLowerCase(), v] as const)))
    .default(() => withoutPrototype<z.output<typeof SkillLevelInput>>([])),
  category: SkillNameInput.optional()
}

interface MatchFields {
  readonly required_skills: ReadonlyArray<string>
  readonly skill_levels: Readonly<Record<string, string>>
  readonly category?: string | undefined
}

const checkMatchFields = (body: MatchFields, ctx: z.RefinementCtx) => {
  const wanted = body.required_skills.length > 0 ? body.required_skills : body.category === undefined ? [] : [body.category]
  if (wanted.length === 0) {
    ctx.addIssue({ code: "custom", path: ["required_skills"], message: "name required_skills or a category" })
  }
  for (const skill of Object.keys(body.skill_levels)) {
    if (!wanted.includes(skill)) {
      ctx.addIssue({ code: "custom", path: ["skill_levels", skill], message: "not one of the skills the job asks for" })
    }
  }
}

export const PriorityInput = z.enum(["low", "normal", "high", "urgent"])

export const CreateJobBody = z.strictObject({
  summary: text(2000),
  address: AddressInput,
  homeowner: HomeownerInput,
  created_by_company_id: idOf(CompanyId),
  created_by_technician_id: idOf(TechnicianId).nullable().optional(),
  ...matchFields,
  priority: PriorityInput.default("normal").openapi({
    description: "Orders each receiving company's deliveries: the highest priority waiting goes first, and a priority " +
      "passed over 8 provider calls in a row goes next, so none starves (README, Order by priority)"
  }),
  deliver_after: DateTimeInput.optional().openapi({
    type: "string",
    format: "date-time",
    description: "Deliver no earlier than this (RFC 3339 with an offset, at most 30 days ahead; further: 400). Until " +
      "then the routings are `scheduled`: not delivered, not counted against the delivery SLA, cancelable; they go " +
      "out within about a second of the time, and the SLA's 5 minutes run from it. A time already past delivers at " +
      "once (README, Scheduled jobs)"
  })
}).superRefine(checkMatchFields).openapi("CreateJob")

/** The matching fields of a job; other fields of a job body are accepted and ignored. */
export const PreviewBody = z.object({
  ...matchFields,
  created_by_company_id: idOf(CompanyId).optional(),
  address: z.object({ zip_code: text(20) }).optional().openapi({
    description: "The job's address; only zip_code is read (other fields are ignored): only companies serving it are " +
      "matched (their service_areas). Its first five digits are the ZIP; left out, or not starting with five digits: " +
      "only companies without service_areas match",
    example: { zip_code: "62701" }
  })
}).superRefine(checkMatchFields).openapi("MatchingPreview")

const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")

export const IdempotencyHeaders = z.object({
  "idempotency-key": IdempotencyKey.optional()
    .openapi({ description: "Idempotency-Key: the same key and body within 24 h answer the same job" })
})

/** The most jobs one `POST /jobs/bulk` takes. */
export const BULK_MAX_JOBS = 100

/** The idempotency key of one job of a bulk (its other fields are those of `POST /jobs`). */
export const BulkJobKey = z.object({
  idempotency_key: IdempotencyKey.optional().openapi({
    description: "The Idempotency-Key of POST /jobs, for this job: the same key and job within 24 h answer the same " +
      "job (also when sent twice in one bulk); the same key with another job answers 409"
  })
})

/** One job of a bulk, as the OpenAPI document describes it; the route checks it with `BulkJobKey` and `CreateJobBody`. */
export const BulkJobDoc = CreateJobBody.safeExtend(BulkJobKey.shape).openapi("BulkJob")

/**
 * `POST /jobs/bulk`: only the list is checked here; each job is checked on its own (`BulkJobKey` for its key,
 * `CreateJobBody` for the rest), so that one bad job fails alone. The document shows each job as `BulkJobDoc`.
 */
export const BulkJobsBody = z.strictObject({
  jobs: z.array(z.record(z.string(), z.unknown()).openapi({ allOf: [{ $ref: "#/components/schemas/BulkJob" }] }))
    .min(1).max(BULK_MAX_JOBS).openapi({
      description: `1 to ${BULK_MAX_JOBS} jobs, each with the fields of \`POST /jobs\` and an optional \`idempotency_key\``
    })
}).openapi("BulkJobs")

export const JobStatusInput = z.enum(["pending", "routed", "in_progress", "completed", "canceled", "unmatched"])

const SyncStatusInput = z.enum(["scheduled", "pending", "syncing", "synced", "retrying", "failed", "canceled"])

/** `q`: the words (and phone digits) to look for, parsed once here. */
const SearchInput = z.string().max(MAX_SEARCH_LENGTH).refine(isStorable, "must not contain NUL characters or unpaired surrogates")
  .transform((q, ctx) => {
    const search = parseSearch(q)
    if (search !== null) return search
    ctx.addIssue({ code: "custom", message: "must contain a letter or a digit" })
    return z.NEVER
  })
  .openapi({
    type: "string",
    maxLength: MAX_SEARCH_LENGTH,
    example: "smith faucet",
    description: "Words, each matching the start of a word of the summary, the homeowner's name or email (case " +
      "ignored; anything but a letter or digit separates words, so `jane.doe@example.com` is four words): a job " +
      "matches when it has them all. A `q` of only digits, spaces and `+-().` with at least 4 digits instead " +
      "matches jobs whose homeowner phone has those digits together: `555 123` and `(555) 123` find `+1 555-123-4567`. " +
      "A `q` of one word with an `@` matches homeowner emails that start with it: `jane.doe@ex`."
  })

export const JobQuery = z.object({
  status: JobStatusInput.optional(),
  priority: PriorityInput.optional(),
  company_id: idOf(CompanyId).optional(),
  created_after: DateTimeInput.optional(),
  created_before: DateTimeInput.optional().openapi({ description: "Jobs created strictly before this time" }),
  routing_status: SyncStatusInput.optional().openapi({
    description: "Jobs with at least one routing in this `sync_status`"
  }),
  external_id: z.string().min(1).max(200).refine(isStorable, "must not contain NUL characters or unpaired surrogates")
    .optional().openapi({ description: "Jobs with a routing whose `external_id` (the provider's id) is exactly this" }),
  q: SearchInput.optional()
})

export const RoutingView = z.object({
  id: z.string().openapi({ format: "uuid" }),
  job_id: z.string().openapi({ format: "uuid" }),
  company_id_received: z.string().openapi({ format: "uuid" }),
  score: z.number(),
  matched_skills: z.array(z.string()),
  reason: z.string(),
  sync_status: SyncStatusInput.openapi({
    description: "`scheduled`: waiting for the job's `deliver_after`; `pending`: to deliver; `syncing`: being " +
      "delivered; `synced`: the provider has the lead; `retrying`: to try again later; `failed`: given up (in the " +
      "dead-letter queue); `canceled`"
  }),
  external_id: z.string().nullable(),
  external_status: z.enum(["scheduled", "in_progress", "completed", "canceled"]).nullable(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  revenue: z.number().nullable(),
  synced_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp
}).openapi("Routing")

export const JobView = z.object({
  id: z.string().openapi({ format: "uuid" }),
  summary: z.string(),
  address: z.object({
    street: z.string(),
    unit: z.string().optional(),
    city: z.string(),
    state: z.string(),
    zip_code: z.string()
  }),
  homeowner: z.object({ name: z.string(), phone: z.string().optional(), email: z.string().optional() }),
  required_skills: z.array(z.string()),
  skill_levels: z.record(z.string(), SkillLevelInput),
  category: z.string().nullable(),
  priority: PriorityInput,
  status: JobStatusInput,
  matching_score: z.number(),
  routings: z.array(RoutingView),
  created_by_company_id: z.string().openapi({ format: "uuid" }),
  created_by_technician_id: z.string().openapi({ format: "uuid" }).nullable(),
  deliver_after: Timestamp.nullable().openapi({
    description: "The `deliver_after` the job was created with, or null; while it is ahead the routings are `scheduled`"
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
  archived: z.boolean().openapi({
    description: "true for a finished job moved to the archive after ARCHIVE_AFTER_DAYS: still readable, read-only"
  })
}).openapi("Job")

export const MatchView = z.object({
  company_id: z.string().openapi({ format: "uuid", description: "Shown to admin keys only" }).optional(),
  company_name: z.string().openapi({ description: "Shown to admin keys only" }).optional(),
  score: z.number(),
  matched_skills: z.array(z.string()),
  reason: z.string()
}).openapi("Match")

/** A company left out of a preview's matches for its service areas. */
export const ExclusionView = z.object({
  company_id: z.string().openapi({ format: "uuid", description: "Shown to admin keys only" }).optional(),
  company_name: z.string().openapi({ description: "Shown to admin keys only" }).optional(),
  reason: z.string().openapi({ description: "Why it was left out", example: "does not serve 90210" })
}).openapi("MatchExclusion")

/** What `POST /matching/preview` answers. */
export const PreviewView = z.object({
  matches: z.array(MatchView).openapi({ description: "The companies the job would be routed to, best first" }),
  excluded: z.array(ExclusionView).openapi({
    description: "The active companies having a skill the job wants (at its level) that do not serve its ZIP code, " +
      "by company id: they are not matched whatever their score"
  })
}).openapi("MatchingPreviewResult")

/** Each job of a bulk, in the order sent: the status `POST /jobs` would have answered, with its job or its error. */
export const BulkResultsView = z.object({
  results: z.array(z.object({
    index: z.number().int(),
    status: z.number().int().openapi({ description: "201, or the error's status (400, 403, 409, 422, 503, ...)" }),
    job: JobView.optional(),
    error: ErrorBody.shape.error.optional()
  }))
}).openapi("BulkResults")
