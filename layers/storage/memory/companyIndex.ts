import { Effect } from "effect"
import type { Company } from "../../../src/domain/company.ts"
import type { IndexedCompany } from "../../../src/domain/companyIndex.ts"
import { CompanyIndexRepo } from "../../../src/services/CompanyIndexRepo.ts"
import { repository } from "./store.ts"

const indexed = (company: Company): IndexedCompany => ({
  id: company.id,
  name: company.name,
  matchableSkills: company.status === "active" && company.provider?.active === true ? company.skills : [],
  serviceAreas: company.serviceAreas
})

/** The company index's changes in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(CompanyIndexRepo, (store) =>
  CompanyIndexRepo.of({
    version: Effect.sync(() => store.state.indexVersion),
    changesSince: (since) =>
      Effect.sync(() => {
        const { companies, companyIndexVersions, indexVersion, technicianIndexVersions, technicians } = store.state
        const changed = <K>(versions: Map<K, number>) =>
          Array.from(versions).flatMap(([id, version]) => (version > since ? [id] : []))
        return {
          version: indexVersion,
          companies: changed(companyIndexVersions).flatMap((id) => {
            const company = companies.get(id)
            return company === undefined ? [] : [indexed(company)]
          }),
          technicians: changed(technicianIndexVersions).flatMap((id) => {
            const technician = technicians.get(id)
            return technician === undefined ? [] : [{ id, companyId: technician.companyId }]
          })
        }
      })
  }))
