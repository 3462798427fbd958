import { Effect } from "effect"
import { NotFound } from "../src/domain/errors.ts"
import { type CompanyId, newId, TechnicianId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { CompanyRepo, TechnicianRepo } from "../src/services/Companies.ts"
import { requireActingFor } from "./access.ts"

/** Adds a technician to a company. */
export const addTechnician = Effect.fn("Technicians.add")(function*(companyId: CompanyId, name: string) {
  yield* requireActingFor(companyId)
  const companies = yield* CompanyRepo
  const technicians = yield* TechnicianRepo
  if (!(yield* companies.exists(companyId))) return yield* new NotFound({ resource: "company", id: companyId })
  const technician = {
    id: yield* newId(TechnicianId),
    companyId,
    name,
    createdAt: yield* now
  }
  yield* technicians.insert(technician)
  return technician
})
