import { Effect, Schema } from "effect"
import { CompanyId } from "../../../src/domain/ids.ts"
import { CircuitStore } from "../../../src/services/Circuits.ts"
import { repository } from "./repository.ts"

const CircuitRow = Schema.Struct({ company_id: CompanyId, opened: Schema.Int, open_until: Schema.DateFromSelf })

/** Open circuits on PostgreSQL: a `company_circuits` row per company whose circuit is open. */
export const layer = repository(CircuitStore, (db) =>
  CircuitStore.of({
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
    open: db.rows("circuits.open", CircuitRow, (sql) => sql`select company_id, opened, open_until from company_circuits`).pipe(
      Effect.map((rows) => rows.map((row) => ({ companyId: row.company_id, opened: row.opened, until: row.open_until })))
    )
  })
)
