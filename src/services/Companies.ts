import { Context, type Effect, type Option } from "effect"
import type { Company, CompanySettings, CompanyStatus, ProviderAssociation, ProviderType, SealedSecret, Technician } from "../domain/company.ts"
import type { CompanyId, TechnicianId } from "../domain/ids.ts"
import type { PageCursor } from "../domain/page.ts"
import type { CompanySkill, SkillName } from "../domain/skills.ts"
import type { StorageError } from "./StorageError.ts"

export interface CompanyQuery {
  readonly status: CompanyStatus | null
  readonly skill: SkillName | null
  readonly limit: number
  readonly after: PageCursor | null
}

/** Some of a company's settings, to change; a nullable one set to null goes back to its default. */
export type CompanyChanges = Partial<CompanySettings>

/** A company whose routings are delivered: it has an active provider association. */
export interface DeliveryTarget {
  readonly companyId: CompanyId
  readonly rateLimitPerMinute: number
  readonly concurrency: number
  readonly paused: boolean
  readonly pollIntervalSeconds: number | null
  readonly pollSchedule: string | null
  readonly timeZone: string | null
}

/** What a rotation of a company's credentials ends with: the credentials to store in place of those it read, and its result. */
export interface CredentialRotation<A> {
  readonly replace: Option.Option<{ readonly credentials: SealedSecret; readonly now: Date }>
  readonly result: A
}

/** Companies with their skills and provider association. Updates answer the company as it is afterwards, or none when it does not exist. */
export class CompanyRepo extends Context.Tag("CompanyRepo")<CompanyRepo, {
  readonly insert: (company: Company) => Effect.Effect<void, StorageError>
  readonly get: (id: CompanyId) => Effect.Effect<Option.Option<Company>, StorageError>
  readonly exists: (id: CompanyId) => Effect.Effect<boolean, StorageError>
  /** Newest first, after the cursor when one is given. */
  readonly list: (query: CompanyQuery) => Effect.Effect<ReadonlyArray<Company>, StorageError>
  readonly update: (id: CompanyId, changes: CompanyChanges, now: Date) => Effect.Effect<Option.Option<Company>, StorageError>
  readonly replaceSkills: (
    id: CompanyId,
    skills: ReadonlyArray<CompanySkill>,
    now: Date
  ) => Effect.Effect<Option.Option<Company>, StorageError>
  readonly setProvider: (
    id: CompanyId,
    provider: ProviderAssociation | null,
    now: Date
  ) => Effect.Effect<Option.Option<Company>, StorageError>
  /**
   * Runs `rotate` with the sealed credentials of the company's association when it is of `type` (none otherwise) while
   * holding the company's credentials lock, and stores what it answers to replace them before answering its result.
   * Rotations of one company never overlap, in any process sharing the storage, and each reads what the one before it
   * stored. When `rotate` fails, nothing is stored.
   */
  readonly rotateCredentials: <A, E>(
    id: CompanyId,
    type: ProviderType,
    rotate: (current: Option.Option<SealedSecret>) => Effect.Effect<CredentialRotation<A>, E>
  ) => Effect.Effect<A, E | StorageError>
  /** The companies with an active provider association, whose routings are to be delivered. */
  readonly deliveryTargets: Effect.Effect<ReadonlyArray<DeliveryTarget>, StorageError>
  /**
   * Changes whenever a company or its provider changes (a technician's change may move it too): a cheap way to know
   * `deliveryTargets` must be read again.
   */
  readonly version: Effect.Effect<string, StorageError>
}>() {}

/** The people of a company who create jobs. */
export class TechnicianRepo extends Context.Tag("TechnicianRepo")<TechnicianRepo, {
  readonly insert: (technician: Technician) => Effect.Effect<void, StorageError>
  readonly get: (id: TechnicianId) => Effect.Effect<Option.Option<Technician>, StorageError>
}>() {}
