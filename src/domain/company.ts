import { Schema } from "effect"
import { CompanyId, TechnicianId } from "./ids.ts"
import { PollScheduleExpression, TimeZoneName } from "./pollSchedule.ts"
import { ServiceArea } from "./serviceAreas.ts"
import { CompanySkill } from "./skills.ts"

export const CompanyStatus = Schema.Literal("active", "inactive", "suspended")
export type CompanyStatus = typeof CompanyStatus.Type

export const ProviderType = Schema.Literal("servicetitan", "housecallpro", "jobber", "mock")
export type ProviderType = typeof ProviderType.Type

/** Non-secret provider settings, as JSON. */
export const ProviderConfig = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type ProviderConfig = typeof ProviderConfig.Type

/** A secret encrypted at rest: the id of the key that sealed it and the sealed bytes (base64). */
export const SealedSecret = Schema.Struct({ keyId: Schema.String, data: Schema.String })
export type SealedSecret = typeof SealedSecret.Type

/** The company's link to its field-service system; credentials are only ever held sealed. */
export const ProviderAssociation = Schema.Struct({
  type: ProviderType,
  config: ProviderConfig,
  credentials: Schema.NullOr(SealedSecret),
  active: Schema.Boolean
})
export type ProviderAssociation = typeof ProviderAssociation.Type

/** A company: every field it has, named and typed here only (the API and the tables spell them in snake_case). */
export const Company = Schema.Struct({
  id: CompanyId,
  name: Schema.String,
  status: CompanyStatus,
  rateLimitPerMinute: Schema.Int,
  /** Deliveries to this company's provider at once. */
  deliveryConcurrency: Schema.Int,
  /** An operator paused delivery to this company. */
  deliveryPaused: Schema.Boolean,
  /** How often its delivered leads are polled for their status; null: the service's default. */
  pollIntervalSeconds: Schema.NullOr(Schema.Int),
  /** When its delivered leads are polled, as cron fields in `timeZone`; wins over the interval when set. */
  pollSchedule: Schema.NullOr(PollScheduleExpression),
  /** The IANA zone `pollSchedule` is read in; null: UTC. */
  timeZone: Schema.NullOr(TimeZoneName),
  /** The ZIP codes and ZIP prefixes it serves, without duplicates; empty: everywhere. */
  serviceAreas: Schema.Array(ServiceArea),
  skills: Schema.Array(CompanySkill),
  provider: Schema.NullOr(ProviderAssociation),
  createdAt: Schema.DateFromSelf,
  updatedAt: Schema.DateFromSelf
})
export type Company = typeof Company.Type

/** The fields of a company that the service keeps itself: its identity, skills, provider and timestamps. */
type KeptFields = "id" | "skills" | "provider" | "createdAt" | "updatedAt"

/** The fields of a company an operator changes directly (a patch gives some of them). */
export type CompanySettings = Omit<Company, KeptFields>

/** What a company registered without them has: not paused, polled on the default interval in UTC, serving everywhere. */
export const companyDefaults = {
  deliveryPaused: false,
  pollIntervalSeconds: null,
  pollSchedule: null,
  timeZone: null,
  serviceAreas: []
} satisfies Partial<CompanySettings>

export const Technician = Schema.Struct({
  id: TechnicianId,
  companyId: CompanyId,
  name: Schema.String,
  createdAt: Schema.DateFromSelf
})
export type Technician = typeof Technician.Type

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 50
