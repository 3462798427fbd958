import type { CompanyIndex } from "./companyIndex.ts"
import { InvalidReference } from "./errors.ts"
import type { CompanyId, TechnicianId } from "./ids.ts"
import type { Address, Homeowner, Job, MatchCriteria, Priority } from "./job.ts"

/** A job as a client asks for it. */
export interface NewJob extends MatchCriteria {
  readonly summary: string
  readonly address: Address
  readonly homeowner: Homeowner
  readonly priority: Priority
  readonly createdByCompanyId: CompanyId
  readonly createdByTechnicianId: TechnicianId | null
  /** Deliver no earlier than this (see `deliverAfterError`); null: at once. */
  readonly deliverAfter: Date | null
}

export interface CreatedJob {
  readonly job: Job
  /** True when an earlier request with the same `Idempotency-Key` created the job. */
  readonly replayed: boolean
}

/** One `POST /jobs` as intake writes it. */
export interface IntakeRequest {
  readonly job: NewJob
  /** Where the request's idempotency key lives (each API key has its own). */
  readonly scope: string
  /** The `Idempotency-Key` and the hash of the body, when the request has a key. */
  readonly idempotency: { readonly key: string; readonly requestHash: string } | null
  /** The request's trace context, stored with the job's outbox events. */
  readonly traceparent: string | null
}

/** A key's record once a batch claimed it: taken for this batch, or held by an earlier request. */
export type KeyRecord =
  | { readonly _tag: "Claimed" }
  | { readonly _tag: "Held"; readonly requestHash: string; readonly response: unknown }

/** What one request of a batch comes to, as far as its idempotency key decides. */
export type KeyDecision =
  | { readonly _tag: "Create" }
  /** Answer what an earlier batch answered. */
  | { readonly _tag: "Replay"; readonly response: unknown }
  /** Answer the job request `leader` of this batch creates. */
  | { readonly _tag: "ReplayOf"; readonly leader: number }
  | { readonly _tag: "Conflict" }

const keyOf = (scope: string, key: string) => `${scope}\u0000${key}`

/**
 * The requests of a batch whose keys must be claimed: for each key (in its scope), the first request having it.
 * `null` entries (requests refused already) take no part.
 */
export const keyLeaders = (requests: ReadonlyArray<IntakeRequest | null>): ReadonlyArray<number> => {
  const seen = new Set<string>()
  const leaders: Array<number> = []
  requests.forEach((request, index) => {
    if (request?.idempotency == null) return
    const key = keyOf(request.scope, request.idempotency.key)
    if (seen.has(key)) return
    seen.add(key)
    leaders.push(index)
  })
  return leaders
}

/**
 * Each request's fate, as if the batch's requests had come one after another: a request without a key is created; the
 * first with a key creates its job when the claim took the key, and later ones with that key replay the job it created
 * or an earlier answer when their body is the same, and conflict when it is not. `records` answers each of
 * `keyLeaders(requests)`, in that order.
 */
export const decideKeys = (
  requests: ReadonlyArray<IntakeRequest | null>,
  records: ReadonlyArray<KeyRecord>
): ReadonlyArray<KeyDecision | null> => {
  const leaders = keyLeaders(requests)
  const byKey = new Map<string, { readonly leader: number; readonly record: KeyRecord }>()
  leaders.forEach((leader, i) => {
    const request = requests[leader]!
    byKey.set(keyOf(request.scope, request.idempotency!.key), { leader, record: records[i]! })
  })
  return requests.map((request, index): KeyDecision | null => {
    if (request === null) return null
    if (request.idempotency === null) return { _tag: "Create" }
    const { leader, record } = byKey.get(keyOf(request.scope, request.idempotency.key))!
    if (record._tag === "Held") {
      return record.requestHash === request.idempotency.requestHash
        ? { _tag: "Replay", response: record.response }
        : { _tag: "Conflict" }
    }
    if (index === leader) return { _tag: "Create" }
    return requests[leader]!.idempotency!.requestHash === request.idempotency.requestHash
      ? { _tag: "ReplayOf", leader }
      : { _tag: "Conflict" }
  })
}

/** The creating company and technician must exist, and the technician must work for that company. */
export const referenceError = (index: CompanyIndex, job: NewJob): InvalidReference | null => {
  if (!index.hasCompany(job.createdByCompanyId)) {
    return new InvalidReference({
      message: "unknown company",
      details: [{ path: "created_by_company_id", message: "no company with this id" }]
    })
  }
  if (job.createdByTechnicianId === null) return null
  const employer = index.companyOf(job.createdByTechnicianId)
  if (employer === job.createdByCompanyId) return null
  return new InvalidReference({
    message: "unknown technician",
    details: [{
      path: "created_by_technician_id",
      message: employer === undefined ? "no technician with this id" : "technician does not belong to created_by_company_id"
    }]
  })
}
