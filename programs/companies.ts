import { Effect, Option } from "effect"
import type { Company, CompanyStatus, ProviderAssociation, ProviderConfig, ProviderType } from "../src/domain/company.ts"
import { NotFound } from "../src/domain/errors.ts"
import { CompanyId, newId } from "../src/domain/ids.ts"
import { type PageCursor, toPage } from "../src/domain/page.ts"
import type { CompanySkill, SkillName } from "../src/domain/skills.ts"
import { now } from "../src/domain/time.ts"
import { type CompanyChanges, CompanyRepo } from "../src/services/Companies.ts"
import { Secrets } from "../src/services/Secrets.ts"
import { requireActingFor, requireAdmin } from "./access.ts"

/** A provider association as a client sends it: credentials in the clear, to be sealed before storage. */
export interface ProviderInput {
  readonly type: ProviderType
  readonly config: ProviderConfig
  /** Omitted: keep the stored credentials when the type stays the same. */
  readonly credentials: Readonly<Record<string, string>> | undefined
  readonly active: boolean
}

export interface NewCompany {
  readonly name: string
  readonly status: CompanyStatus
  readonly rateLimitPerMinute: number
  readonly deliveryConcurrency: number
  readonly skills: ReadonlyArray<CompanySkill>
  readonly provider: ProviderInput | null
}

const orNotFound = (id: CompanyId) => (company: Option.Option<Company>) =>
  Option.match(company, {
    onNone: () => Effect.fail(new NotFound({ resource: "company", id })),
    onSome: Effect.succeed
  })

/** Seals the credentials (bound to the company id) and keeps the old sealed value where the input leaves them out. */
const toAssociation = (companyId: CompanyId, input: ProviderInput, existing: ProviderAssociation | null) =>
  Effect.gen(function*() {
    const secrets = yield* Secrets
    const credentials = input.credentials === undefined
      ? (existing?.type === input.type ? existing.credentials : null)
      : Object.keys(input.credentials).length === 0
      ? null
      : yield* secrets.seal(JSON.stringify(input.credentials), companyId)
    return { type: input.type, config: input.config, credentials, active: input.active } satisfies ProviderAssociation
  })

/** Registers a company with its skills and, optionally, its provider. */
export const createCompany = Effect.fn("Companies.create")(function*(input: NewCompany) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  const id = yield* newId(CompanyId)
  const at = yield* now
  const company: Company = {
    id,
    name: input.name,
    status: input.status,
    rateLimitPerMinute: input.rateLimitPerMinute,
    deliveryConcurrency: input.deliveryConcurrency,
    deliveryPaused: false,
    skills: input.skills,
    provider: input.provider === null ? null : yield* toAssociation(id, input.provider, null),
    createdAt: at,
    updatedAt: at
  }
  yield* repo.insert(company)
  yield* Effect.logInfo("company created").pipe(Effect.annotateLogs({ company_id: id }))
  return company
})

/** One company; a company key may read only its own. */
export const getCompany = Effect.fn("Companies.get")(function*(id: CompanyId) {
  yield* requireActingFor(id)
  const repo = yield* CompanyRepo
  return yield* repo.get(id).pipe(Effect.flatMap(orNotFound(id)))
})

export interface CompanyListQuery {
  readonly status: CompanyStatus | null
  readonly skill: SkillName | null
  readonly limit: number
  readonly after: PageCursor | null
}

/** A page of companies, newest first. */
export const listCompanies = Effect.fn("Companies.list")(function*(query: CompanyListQuery) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  const rows = yield* repo.list({ ...query, limit: query.limit + 1 })
  return toPage(rows, query.limit)
})

export const updateCompany = Effect.fn("Companies.update")(function*(id: CompanyId, changes: CompanyChanges) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  return yield* repo.update(id, changes, yield* now).pipe(Effect.flatMap(orNotFound(id)))
})

/** Replaces the company's whole list of skills. */
export const replaceSkills = Effect.fn("Companies.replaceSkills")(
  function*(id: CompanyId, skills: ReadonlyArray<CompanySkill>) {
    yield* requireAdmin
    const repo = yield* CompanyRepo
    return yield* repo.replaceSkills(id, skills, yield* now).pipe(Effect.flatMap(orNotFound(id)))
  }
)

/** Sets (or replaces) the company's provider association. */
export const setProvider = Effect.fn("Companies.setProvider")(function*(id: CompanyId, input: ProviderInput) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  const existing = yield* repo.get(id).pipe(Effect.flatMap(orNotFound(id)))
  const association = yield* toAssociation(id, input, existing.provider)
  return yield* repo.setProvider(id, association, yield* now).pipe(Effect.flatMap(orNotFound(id)))
})

/** Removes the company's provider association; it is then no longer matched. */
export const removeProvider = Effect.fn("Companies.removeProvider")(function*(id: CompanyId) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  return yield* repo.setProvider(id, null, yield* now).pipe(Effect.flatMap(orNotFound(id)))
})
