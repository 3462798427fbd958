import { Effect, Option } from "effect"
import {
  type Company,
  companyDefaults,
  type CompanySettings,
  type CompanyStatus,
  type ProviderAssociation,
  type ProviderConfig,
  type ProviderType
} from "../src/domain/company.ts"
import { InvalidReference, NotFound } from "../src/domain/errors.ts"
import { providerSettingsIssues } from "../src/domain/providerSettings.ts"
import { CompanyId, newId } from "../src/domain/ids.ts"
import { type PageCursor, readPage } from "../src/domain/page.ts"
import type { CompanySkill, SkillName } from "../src/domain/skills.ts"
import { now } from "../src/domain/time.ts"
import { type CompanyChanges, CompanyRepo } from "../src/services/Companies.ts"
import { Secrets } from "../src/services/Secrets.ts"
import { OutboundAddresses } from "../src/services/Settings.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { requireAdmin, requireReadingFor, requireSeesAll } from "./access.ts"
import { resolveAlert } from "./alerts.ts"

/** A provider association as a client sends it: credentials in the clear, to be sealed before storage. */
export interface ProviderInput {
  readonly type: ProviderType
  readonly config: ProviderConfig
  /** Omitted: keep the stored credentials when the type stays the same. */
  readonly credentials: Readonly<Record<string, string>> | undefined
  readonly active: boolean
}

/**
 * A company to register: its settings (those with a default in `companyDefaults` may be left out, and it is never
 * paused at first), its skills, and its provider in the clear.
 */
export type NewCompany =
  & Omit<CompanySettings, keyof typeof companyDefaults>
  & Partial<Omit<Pick<CompanySettings, keyof typeof companyDefaults>, "deliveryPaused">>
  & { readonly skills: ReadonlyArray<CompanySkill>; readonly provider: ProviderInput | null }

const orNotFound = (id: CompanyId) => (company: Option.Option<Company>) =>
  Option.match(company, {
    onNone: () => Effect.fail(new NotFound({ resource: "company", id })),
    onSome: Effect.succeed
  })

/** The credentials the association will hold, in the clear: the input's, or the stored ones it keeps; null: none. */
const effectiveCredentials = (companyId: CompanyId, input: ProviderInput, existing: ProviderAssociation | null) =>
  Effect.gen(function*() {
    if (input.credentials !== undefined) return Object.keys(input.credentials).length === 0 ? null : input.credentials
    if (existing?.type !== input.type || existing.credentials === null) return null
    const opened = yield* (yield* Secrets).open(existing.credentials, companyId).pipe(Effect.option)
    return Option.getOrNull(Option.map(opened, (text) => JSON.parse(text) as Record<string, string>))
  })

/**
 * Checks the config and credentials against the provider type (naming each missing or wrong field), then seals the
 * credentials (bound to the company id), keeping the stored ones where the input leaves them out.
 */
const toAssociation = (companyId: CompanyId, input: ProviderInput, existing: ProviderAssociation | null) =>
  Effect.gen(function*() {
    const credentials = yield* effectiveCredentials(companyId, input, existing)
    const issues = providerSettingsIssues(input.type, input.config, credentials)
    if (issues.length > 0) {
      return yield* new InvalidReference({ message: `the provider settings do not fit type ${input.type}`, details: issues })
    }
    const baseUrl = input.config["api_base_url"]
    const refused = typeof baseUrl === "string" ? yield* (yield* OutboundAddresses).refusal(baseUrl) : Option.none()
    if (Option.isSome(refused)) {
      return yield* new InvalidReference({
        message: "refused address",
        details: [{ path: "config.api_base_url", message: refused.value }]
      })
    }
    const sealed = input.credentials === undefined
      ? (existing?.type === input.type ? existing.credentials : null)
      : credentials === null
      ? null
      : yield* (yield* Secrets).seal(JSON.stringify(credentials), companyId)
    return { type: input.type, config: input.config, credentials: sealed, active: input.active } satisfies ProviderAssociation
  })

/** Registers a company with its skills and, optionally, its provider. */
export const createCompany = Effect.fn("Companies.create")(function*(input: NewCompany) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  const id = yield* newId(CompanyId)
  const at = yield* now
  const { provider, ...settings } = input
  const company: Company = {
    ...companyDefaults,
    ...settings,
    id,
    provider: provider === null ? null : yield* toAssociation(id, provider, null),
    createdAt: at,
    updatedAt: at
  }
  yield* repo.insert(company)
  yield* Effect.logInfo("company created").pipe(Effect.annotateLogs({ company_id: id }))
  return company
})

/** One company; a company key may read only its own. */
export const getCompany = Effect.fn("Companies.get")(function*(id: CompanyId) {
  yield* requireReadingFor(id)
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
  yield* requireSeesAll
  return yield* readPage((yield* CompanyRepo).list, query)
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

/** The provider association changed: the company's `provider.credentials_invalid` alert is resolved with it. */
const credentialsReplaced = (id: CompanyId) => resolveAlert({ kind: "provider.credentials_invalid", companyId: id, routingId: null })

/** Sets (or replaces) the company's provider association, resolving its credentials alert in the same transaction. */
export const setProvider = Effect.fn("Companies.setProvider")(function*(id: CompanyId, input: ProviderInput) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  const existing = yield* repo.get(id).pipe(Effect.flatMap(orNotFound(id)))
  const association = yield* toAssociation(id, input, existing.provider)
  const at = yield* now
  return yield* (yield* Transactions).run(
    Effect.zipLeft(repo.setProvider(id, association, at).pipe(Effect.flatMap(orNotFound(id))), credentialsReplaced(id))
  )
})

/** Removes the company's provider association (it is then no longer matched), resolving its credentials alert. */
export const removeProvider = Effect.fn("Companies.removeProvider")(function*(id: CompanyId) {
  yield* requireAdmin
  const repo = yield* CompanyRepo
  const at = yield* now
  return yield* (yield* Transactions).run(
    Effect.zipLeft(repo.setProvider(id, null, at).pipe(Effect.flatMap(orNotFound(id))), credentialsReplaced(id))
  )
})
