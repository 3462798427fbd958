import { Schema } from "effect"
import { CompanyId, JobId, RoutingId, TechnicianId } from "../../../src/domain/ids.ts"
import { Address, ExternalStatus, Homeowner, type Job, JobStatus, Priority, type Routing, SyncStatus } from "../../../src/domain/job.ts"
import { SkillLevel, SkillName } from "../../../src/domain/skills.ts"

/** A routing as JSON (`json_agg`, `to_jsonb`): timestamps are strings and numerics are numbers. */
export const RoutingJson = Schema.Struct({
  id: RoutingId,
  job_id: JobId,
  company_id_received: CompanyId,
  score: Schema.Number,
  matched_skills: Schema.Array(Schema.String),
  reason: Schema.String,
  sync_status: SyncStatus,
  external_id: Schema.NullOr(Schema.String),
  external_status: Schema.NullOr(ExternalStatus),
  attempts: Schema.Int,
  last_error: Schema.NullOr(Schema.String),
  revenue: Schema.NullOr(Schema.Number),
  synced_at: Schema.NullOr(Schema.Date),
  completed_at: Schema.NullOr(Schema.Date),
  created_at: Schema.Date,
  updated_at: Schema.Date
})

/** A job's own columns; `date` decodes its timestamps (`Date` objects from a row, strings from JSON). */
export const jobColumns = <D extends Schema.Schema<Date, any>>(date: D) => ({
  id: JobId,
  summary: Schema.String,
  address: Address,
  homeowner: Homeowner,
  category: Schema.NullOr(SkillName),
  required_skills: Schema.Array(SkillName),
  skill_levels: Schema.Record({ key: Schema.String, value: SkillLevel }),
  priority: Priority,
  status: JobStatus,
  matching_score: Schema.Number,
  created_by_company_id: CompanyId,
  created_by_technician_id: Schema.NullOr(TechnicianId),
  /** Absent from documents archived before jobs had it. */
  deliver_after: Schema.optionalWith(Schema.NullOr(date), { default: () => null }),
  created_at: date,
  updated_at: date
})

const toRouting = (r: typeof RoutingJson.Type): Routing => ({
  id: r.id,
  jobId: r.job_id,
  companyId: r.company_id_received,
  score: r.score,
  matchedSkills: r.matched_skills,
  reason: r.reason,
  syncStatus: r.sync_status,
  externalId: r.external_id,
  externalStatus: r.external_status,
  attempts: r.attempts,
  lastError: r.last_error,
  revenue: r.revenue,
  syncedAt: r.synced_at,
  completedAt: r.completed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

/** The domain job from its decoded columns and routings. */
export const toJob = (
  job: Schema.Struct.Type<ReturnType<typeof jobColumns<typeof Schema.DateFromSelf>>>,
  routings: ReadonlyArray<typeof RoutingJson.Type>
): Job => ({
  id: job.id,
  summary: job.summary,
  address: job.address,
  homeowner: job.homeowner,
  category: job.category,
  requiredSkills: job.required_skills,
  skillLevels: job.skill_levels,
  priority: job.priority,
  status: job.status,
  matchingScore: job.matching_score,
  createdByCompanyId: job.created_by_company_id,
  createdByTechnicianId: job.created_by_technician_id,
  deliverAfter: job.deliver_after,
  createdAt: job.created_at,
  updatedAt: job.updated_at,
  routings: routings.map(toRouting)
})
