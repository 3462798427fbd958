import { Effect, Option, Schema } from "effect"
import { CompanyId, TechnicianId } from "../../../src/domain/ids.ts"
import { TechnicianRepo } from "../../../src/services/Companies.ts"
import { repository } from "./repository.ts"

const TechnicianRow = Schema.Struct({
  id: TechnicianId,
  company_id: CompanyId,
  name: Schema.String,
  created_at: Schema.DateFromSelf
})

/** Technicians on PostgreSQL: `technicians`. */
export const layer = repository(TechnicianRepo, (db) =>
  TechnicianRepo.of({
    insert: (t) =>
      db.query("technicians.insert", (sql) =>
        sql`
          insert into technicians (id, company_id, name, created_at)
          values (${t.id}, ${t.companyId}, ${t.name}, ${t.createdAt})`).pipe(Effect.asVoid),
    get: (id) =>
      db.rows("technicians.get", TechnicianRow, (sql) => sql`select id, company_id, name, created_at from technicians where id = ${id}`)
        .pipe(
          Effect.map((rows) =>
            Option.fromNullable(rows[0]).pipe(
              Option.map((r) => ({ id: r.id, companyId: r.company_id, name: r.name, createdAt: r.created_at }))
            )
          )
        )
  })
)
