import { Effect, Layer, Option } from "effect"
import { Technician } from "../../../src/domain/company.ts"
import { TechnicianRepo } from "../../../src/services/Companies.ts"
import { Db } from "../Db.ts"
import { decodeRows } from "./decode.ts"
import { columnsOf, rowInsert, rowOf } from "./rows.ts"

/** A technician as its row: the domain struct under snake_case columns. */
const TechnicianRow = rowOf(Technician)

export const layer = Layer.effect(
  TechnicianRepo,
  Effect.gen(function*() {
    const db = yield* Db
    const decode = decodeRows(TechnicianRow, "technicians")
    return TechnicianRepo.of({
      insert: rowInsert(db, TechnicianRow, "technicians", "technicians.insert"),
      get: (id) =>
        db.query("technicians.get", (sql) => sql`select ${sql(columnsOf(Technician))} from technicians where id = ${id}`)
          .pipe(
            Effect.flatMap(decode),
            Effect.map((rows) => Option.fromNullable(rows[0]))
          )
    })
  })
)
