import { Effect, Layer, Schema } from "effect"
import { CompanyId } from "../../../src/domain/ids.ts"
import { CircuitStore } from "../../../src/services/Circuits.ts"
import { Db } from "../Db.ts"
import { decodeRows } from "./decode.ts"

const CircuitRow = Schema.Struct({ company_id: CompanyId, opened: Schema.Int, open_until: Schema.DateFromSelf })

/** Open circuits on PostgreSQL: a `company_circuits` row per company whose circuit is open. */
export const layer = Layer.effect(
  CircuitStore,
  Effect.gen(function*() {
    const db = yield* Db
    const decodeCircuits = decodeRows(CircuitRow, "circuits.open")
    return CircuitStore.of({
      opened: (circuit) =>
        db.query("circuits.opened", (sql) =>
          sql`
            insert into company_circuits (company_id, opened, open_until)
            values (${circuit.companyId}, ${circuit.opened}, ${circuit.until})
            on conflict (company_id) do update set opened = excluded.opened, open_until = excluded.open_until`).pipe(
          Effect.asVoid
        ),
      closed: (companyId) =>
        db.query("circuits.closed", (sql) => sql`delete from company_circuits where company_id = ${companyId}`).pipe(Effect.asVoid),
      open: db.query("circuits.open", (sql) => sql`select company_id, opened, open_until from company_circuits`).pipe(
        Effect.flatMap(decodeCircuits),
        Effect.map((rows) => rows.map((row) => ({ companyId: row.company_id, opened: row.opened, until: row.open_until })))
      )
    })
  })
)
