import { Context, type Effect, type Option } from "effect"
import type { Company, CompanyStatus, ProviderAssociation, Technician } from "../domain/company.ts"
import type { CompanyId, TechnicianId } from "../domain/ids.ts"
import type { MatchCandidate } from "../domain/matching.ts"
import type { PageCursor } from "../domain/page.ts"
import type { CompanySkill, SkillName } from "../domain/skills.ts"
import type { StorageError } from "./StorageError.ts"

export interface CompanyQuery {
  readonly status: CompanyStatus | null
  readonly skill: SkillName | null
  readonly limit: number
  readonly after: PageCursor | null
}

export interface CompanyChanges {
  readonly name?: string
  readonly status?: CompanyStatus
  readonly rateLimitPerMinute?: number
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
   * The eligible companies (status `active`, an active provider, not `exclude`) having any of `skills`,
   * each with only those of its skills.
   */
  readonly findMatchCandidates: (
    skills: ReadonlyArray<SkillName>,
    exclude: CompanyId | null
  ) => Effect.Effect<ReadonlyArray<MatchCandidate>, StorageError>
}>() {}

/** The people of a company who create jobs. */
export class TechnicianRepo extends Context.Tag("TechnicianRepo")<TechnicianRepo, {
  readonly insert: (technician: Technician) => Effect.Effect<void, StorageError>
  readonly get: (id: TechnicianId) => Effect.Effect<Option.Option<Technician>, StorageError>
}>() {}
