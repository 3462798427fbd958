import { Effect, Option } from "effect"
import { Technician } from "../../../src/domain/company.ts"
import { TechnicianRepo } from "../../../src/services/Companies.ts"
import { repository } from "./repository.ts"
import { columnsOf, rowInsert, rowOf } from "./rows.ts"

/** A technician as its row: the domain struct under snake_case columns. */
const TechnicianRow = rowOf(Technician)

/** Technicians on PostgreSQL: `technicians`. */
export const layer = repository(TechnicianRepo, (db) =>
  TechnicianRepo.of({
    insert: rowInsert(db, TechnicianRow, "technicians", "technicians.insert"),
    get: (id) =>
      db.rows("technicians.get", TechnicianRow, (sql) => sql`select ${sql(columnsOf(Technician))} from technicians where id = ${id}`)
        .pipe(Effect.map((rows) => Option.fromNullable(rows[0])))
  })
)
