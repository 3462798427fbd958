import { Schema } from "effect"
import { CompanyId, JobId, RoutingId, TechnicianId } from "./ids.ts"
import { SkillLevel, SkillName } from "./skills.ts"

export const JobStatus = Schema.Literal("pending", "routed", "in_progress", "completed", "canceled", "unmatched")
export type JobStatus = typeof JobStatus.Type

/** `scheduled`: waiting for its job's `deliverAfter`, not handed to delivery yet. */
export const SyncStatus = Schema.Literal("scheduled", "pending", "syncing", "synced", "retrying", "failed", "canceled")
export type SyncStatus = typeof SyncStatus.Type

export const ExternalStatus = Schema.Literal("scheduled", "in_progress", "completed", "canceled")
export type ExternalStatus = typeof ExternalStatus.Type

export const Priority = Schema.Literal("low", "normal", "high", "urgent")
export type Priority = typeof Priority.Type

export const Address = Schema.Struct({
  street: Schema.String,
  unit: Schema.optional(Schema.String),
  city: Schema.String,
  state: Schema.String,
  zipCode: Schema.String
})
export type Address = typeof Address.Type

export const Homeowner = Schema.Struct({
  name: Schema.String,
  phone: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String)
})
export type Homeowner = typeof Homeowner.Type

/** What the matcher needs from a job: the skills, the level each needs, and the category used when no skill is named. */
export const MatchCriteria = Schema.Struct({
  requiredSkills: Schema.Array(SkillName),
  skillLevels: Schema.Record({ key: Schema.String, value: SkillLevel }),
  category: Schema.NullOr(SkillName)
})
export type MatchCriteria = typeof MatchCriteria.Type

/** One job's delivery to one company. Dates are `Date` in memory and RFC 3339 strings when encoded. */
export const Routing = Schema.Struct({
  id: RoutingId,
  jobId: JobId,
  companyId: CompanyId,
  score: Schema.Number,
  matchedSkills: Schema.Array(Schema.String),
  reason: Schema.String,
  syncStatus: SyncStatus,
  externalId: Schema.NullOr(Schema.String),
  externalStatus: Schema.NullOr(ExternalStatus),
  attempts: Schema.Int,
  lastError: Schema.NullOr(Schema.String),
  revenue: Schema.NullOr(Schema.Number),
  syncedAt: Schema.NullOr(Schema.Date),
  completedAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
})
export type Routing = typeof Routing.Type

export const Job = Schema.Struct({
  id: JobId,
  summary: Schema.String,
  address: Address,
  homeowner: Homeowner,
  ...MatchCriteria.fields,
  priority: Priority,
  status: JobStatus,
  matchingScore: Schema.Number,
  createdByCompanyId: CompanyId,
  createdByTechnicianId: Schema.NullOr(TechnicianId),
  routings: Schema.Array(Routing),
  /**
   * When the client asked the routings to be delivered, if it did: they stay `scheduled` until then when it is later
   * than `createdAt`. Absent when encoded (a job stored before it existed) decodes as null.
   */
  deliverAfter: Schema.optionalWith(Schema.NullOr(Schema.Date), { default: () => null }),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
})
export type Job = typeof Job.Type

/** A routing just made for a match: `pending` (to deliver now) unless its job is `scheduled` for later. */
export const newRouting = (
  ids: { readonly id: RoutingId; readonly jobId: JobId },
  match: { readonly companyId: CompanyId; readonly score: number; readonly matchedSkills: ReadonlyArray<string>; readonly reason: string },
  at: Date,
  syncStatus: "pending" | "scheduled" = "pending"
): Routing => ({
  ...ids,
  companyId: match.companyId,
  score: match.score,
  matchedSkills: match.matchedSkills,
  reason: match.reason,
  syncStatus,
  externalId: null,
  externalStatus: null,
  attempts: 0,
  lastError: null,
  revenue: null,
  syncedAt: null,
  completedAt: null,
  createdAt: at,
  updatedAt: at
})

/** A job's status right after matching. */
export const initialJobStatus = (routingCount: number): JobStatus => (routingCount > 0 ? "pending" : "unmatched")

/** Routings that have not reached the provider yet and can still be stopped. */
export const isCancelable = (routing: Routing): boolean =>
  routing.syncStatus === "scheduled" || routing.syncStatus === "pending" || routing.syncStatus === "retrying" ||
  routing.syncStatus === "failed"
