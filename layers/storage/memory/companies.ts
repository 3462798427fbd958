import { Effect, Option } from "effect"
import type { Company, ProviderType, SealedSecret } from "../../../src/domain/company.ts"
import type { CompanyId } from "../../../src/domain/ids.ts"
import { makeKeyedLock } from "../../../src/KeyedLock.ts"
import { CompanyRepo } from "../../../src/services/Companies.ts"
import { isAfter, newestFirst, repository, stampCompany } from "./store.ts"

/** Companies in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(CompanyRepo, (store) => {
  const companies = () => store.state.companies
  const change = (id: CompanyId, now: Date, f: (company: Company) => Company) =>
    Effect.sync(() => {
      const current = companies().get(id)
      if (current === undefined) return Option.none<Company>()
      const next = { ...f(current), updatedAt: now }
      companies().set(id, next)
      stampCompany(store.state, id)
      return Option.some(next)
    })
  const replaceCredentials = (id: CompanyId, type: ProviderType, credentials: SealedSecret) =>
    Effect.sync(() => {
      const company = companies().get(id)
      if (company?.provider?.type === type) companies().set(id, { ...company, provider: { ...company.provider, credentials } })
    })
  // One process shares this store, so an in-process lock per company is the credentials lock.
  const credentialLocks = makeKeyedLock()

  return CompanyRepo.of({
    insert: (company) =>
      Effect.sync(() => {
        companies().set(company.id, company)
        stampCompany(store.state, company.id)
      }),
    get: (id) => Effect.sync(() => Option.fromNullable(companies().get(id))),
    exists: (id) => Effect.sync(() => companies().has(id)),
    list: (query) =>
      Effect.sync(() =>
        Array.from(companies().values())
          .filter((c) =>
            (query.status === null || c.status === query.status) &&
            (query.skill === null || c.skills.some((s) => s.skill === query.skill)) &&
            isAfter(c, query.after)
          )
          .sort(newestFirst)
          .slice(0, query.limit)
      ),
    update: (id, changes, now) => change(id, now, (c) => ({ ...c, ...changes })),
    replaceSkills: (id, skills, now) => change(id, now, (c) => ({ ...c, skills })),
    setProvider: (id, provider, now) => change(id, now, (c) => ({ ...c, provider })),
    rotateCredentials: (id, type, rotate) =>
      credentialLocks.withLock(id)(Effect.gen(function*() {
        const provider = companies().get(id)?.provider
        const current = provider?.type === type ? Option.fromNullable(provider.credentials) : Option.none()
        const { replace, result } = yield* rotate(current)
        if (Option.isSome(replace)) yield* replaceCredentials(id, type, replace.value.credentials)
        return result
      })),
    deliveryTargets: Effect.sync(() =>
      Array.from(companies().values()).flatMap((c) =>
        c.provider?.active === true
          ? [{
            companyId: c.id,
            rateLimitPerMinute: c.rateLimitPerMinute,
            concurrency: c.deliveryConcurrency,
            paused: c.deliveryPaused,
            pollIntervalSeconds: c.pollIntervalSeconds,
            pollSchedule: c.pollSchedule,
            timeZone: c.timeZone
          }]
          : []
      )
    ),
    version: Effect.sync(() => String(store.state.indexVersion))
  })
})
