import type { z } from "@hono/zod-openapi"
import { Option } from "effect"
import type { DeadLetter } from "../../programs/deadLetters.ts"
import type { ApiKey } from "../domain/apiKey.ts"
import type { Company, Technician } from "../domain/company.ts"
import type { Exclusion } from "../domain/companyIndex.ts"
import type { Job, Routing } from "../domain/job.ts"
import type { MatchSeen } from "../domain/access.ts"
import type { ApiKeyView } from "./schemas/apiKeys.ts"
import type { CompanyView, TechnicianView } from "./schemas/companies.ts"
import type { ConsumerState, StreamState } from "../services/Broker.ts"
import type { ReplicaRecord } from "../services/Partitions.ts"
import type { ActorStatus } from "../services/Actors.ts"
import type { ExclusionView, JobView, MatchView, RoutingView } from "./schemas/jobs.ts"
import type { DeadLetterView, PartitionView, ReplicaView, StreamView, WorkerView } from "./schemas/operations.ts"

/** Domain values as the API shows them: snake_case, RFC 3339 UTC timestamps, secrets never included. */
const iso = (d: Date): string => d.toISOString()
const isoOrNull = (d: Date | null): string | null => (d === null ? null : d.toISOString())

export const companyView = (c: Company): z.input<typeof CompanyView> => ({
  id: c.id,
  name: c.name,
  status: c.status,
  rate_limit_per_minute: c.rateLimitPerMinute,
  delivery_concurrency: c.deliveryConcurrency,
  delivery_paused: c.deliveryPaused,
  poll_interval_seconds: c.pollIntervalSeconds,
  poll_schedule: c.pollSchedule,
  time_zone: c.timeZone,
  service_areas: [...c.serviceAreas],
  skills: c.skills.map((s) => ({ skill: s.skill, level: s.level, primary: s.primary })),
  provider: c.provider === null ? null : {
    type: c.provider.type,
    config: c.provider.config,
    credentials_set: c.provider.credentials !== null,
    active: c.provider.active
  },
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt)
})

export const technicianView = (t: Technician): z.input<typeof TechnicianView> => ({
  id: t.id,
  company_id: t.companyId,
  name: t.name,
  created_at: iso(t.createdAt)
})

export const routingView = (r: Routing): z.input<typeof RoutingView> => ({
  id: r.id,
  job_id: r.jobId,
  company_id_received: r.companyId,
  score: r.score,
  matched_skills: [...r.matchedSkills],
  reason: r.reason,
  sync_status: r.syncStatus,
  external_id: r.externalId,
  external_status: r.externalStatus,
  attempts: r.attempts,
  last_error: r.lastError,
  revenue: r.revenue,
  synced_at: isoOrNull(r.syncedAt),
  completed_at: isoOrNull(r.completedAt),
  created_at: iso(r.createdAt),
  updated_at: iso(r.updatedAt)
})

export const jobView = (j: Job): z.input<typeof JobView> => ({
  id: j.id,
  summary: j.summary,
  address: {
    street: j.address.street,
    ...(j.address.unit === undefined ? {} : { unit: j.address.unit }),
    city: j.address.city,
    state: j.address.state,
    zip_code: j.address.zipCode
  },
  homeowner: j.homeowner,
  required_skills: [...j.requiredSkills],
  skill_levels: j.skillLevels,
  category: j.category,
  priority: j.priority,
  status: j.status,
  matching_score: j.matchingScore,
  routings: j.routings.map(routingView),
  created_by_company_id: j.createdByCompanyId,
  created_by_technician_id: j.createdByTechnicianId,
  deliver_after: isoOrNull(j.deliverAfter),
  created_at: iso(j.createdAt),
  updated_at: iso(j.updatedAt),
  archived: false
})

/** A job read by id: live, or from the archive. */
export const foundJobView = (found: { readonly job: Job; readonly archived: boolean }): z.input<typeof JobView> => ({
  ...jobView(found.job),
  archived: found.archived
})

export const matchView = (m: MatchSeen): z.input<typeof MatchView> => ({
  ...(m.companyId === undefined ? {} : { company_id: m.companyId }),
  ...(m.companyName === undefined ? {} : { company_name: m.companyName }),
  score: m.score,
  matched_skills: [...m.matchedSkills],
  reason: m.reason
})

export const exclusionView = (e: MatchSeen<Exclusion>): z.input<typeof ExclusionView> => ({
  ...(e.companyId === undefined ? {} : { company_id: e.companyId }),
  ...(e.companyName === undefined ? {} : { company_name: e.companyName }),
  reason: e.reason
})

export const apiKeyView = (k: ApiKey): z.input<typeof ApiKeyView> => ({
  id: k.id,
  role: k.role,
  company_id: k.companyId,
  name: k.name,
  prefix: k.prefix,
  created_at: iso(k.createdAt),
  last_used_at: isoOrNull(k.lastUsedAt),
  expires_at: isoOrNull(k.expiresAt),
  revoked_at: isoOrNull(k.revokedAt)
})

/** A company actor: `pending` counts the company's messages stored in the work stream, `ack_pending` those it holds or works on. */
export const workerView = (
  entry: { readonly replica: string; readonly status: ActorStatus; readonly stored: number }
): z.input<typeof WorkerView> => {
  const { status } = entry
  return {
    company_id: status.companyId,
    replica: entry.replica,
    state: status.paused || status.rateLimitedUntil !== null ? "paused" : status.inFlight > 0 ? "running" : "idle",
    consumer: status.consumer,
    pending: Math.max(0, entry.stored - status.held - status.inFlight),
    ack_pending: status.held + status.inFlight,
    redelivered: null,
    in_flight: status.inFlight,
    circuit: status.circuit,
    tokens: status.tokens,
    rate_limited_until: status.rateLimitedUntil === null ? null : iso(status.rateLimitedUntil),
    last_error: status.lastError
  }
}

export const replicaView = (
  replica: ReplicaRecord & { readonly alive: boolean; readonly self: boolean }
): z.input<typeof ReplicaView> => ({
  id: replica.id,
  host: replica.host,
  version: replica.version,
  partitions: [...replica.partitions],
  started_at: iso(replica.startedAt),
  last_seen_at: iso(replica.heartbeatAt),
  alive: replica.alive,
  self: replica.self,
  actors: replica.actors.length
})

export const partitionView = (
  entry: { readonly partition: number; readonly consumer: Option.Option<ConsumerState> }
): z.input<typeof PartitionView> => {
  const consumer = Option.getOrNull(entry.consumer)
  return {
    partition: entry.partition,
    consumer: consumer?.name ?? "",
    pending: consumer?.pending ?? null,
    ack_pending: consumer?.ackPending ?? null,
    redelivered: consumer?.redelivered ?? null
  }
}

export const streamView = (entry: {
  readonly name: string
  readonly state: Option.Option<StreamState>
  readonly consumers: ReadonlyArray<ConsumerState>
}): z.input<typeof StreamView> => {
  const state = Option.getOrNull(entry.state)
  return {
    name: entry.name,
    exists: state !== null,
    subjects: [...(state?.subjects ?? [])],
    messages: state?.messages ?? 0,
    bytes: state?.bytes ?? 0,
    first_seq: state?.firstSequence ?? 0,
    last_seq: state?.lastSequence ?? 0,
    consumers: entry.consumers.map((c) => ({ name: c.name, pending: c.pending, ack_pending: c.ackPending, redelivered: c.redelivered }))
  }
}

export const deadLetterView = (d: DeadLetter): z.input<typeof DeadLetterView> => ({
  id: d.id,
  routing_id: d.routingId,
  company_id: d.companyId,
  reason: d.reason,
  attempts: d.attempts,
  failed_at: iso(d.failedAt),
  subject: d.originalSubject
})
