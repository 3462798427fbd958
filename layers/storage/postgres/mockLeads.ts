import { Effect, Option, Schema } from "effect"
import { CompanyId } from "../../../src/domain/ids.ts"
import { MockLeadStore } from "../../../src/services/MockLeads.ts"
import { repository } from "./repository.ts"
import { deleteOldest } from "./deleteOldest.ts"

const LeadRow = Schema.Struct({
  lead_id: Schema.String,
  company_id: CompanyId,
  external_id: Schema.String,
  payload: Schema.Unknown,
  received_at: Schema.DateFromSelf
})

const toLead = (r: typeof LeadRow.Type) => ({
  leadId: r.lead_id,
  companyId: r.company_id,
  externalId: r.external_id,
  payload: r.payload,
  receivedAt: r.received_at
})

/** The mock provider's leads on PostgreSQL: `mock_leads`. */
export const layer = repository(MockLeadStore, (db) =>
  MockLeadStore.of({
    record: (leads) =>
      leads.length === 0 ? Effect.void : db.query("mockLeads.record", (sql) =>
        sql`insert into mock_leads ${
          sql(
            leads.map((lead) => ({
              lead_id: lead.leadId,
              company_id: lead.companyId,
              external_id: lead.externalId,
              payload: sql.json(lead.payload as never),
              received_at: lead.receivedAt
            }))
          )
        }`).pipe(Effect.asVoid),
    findByExternalId: (companyId, externalId) =>
      db.rows("mockLeads.find", LeadRow, (sql) =>
        sql`
          select lead_id, company_id, external_id, payload, received_at from mock_leads
          where company_id = ${companyId} and external_id = ${externalId} order by id limit 1`).pipe(
          Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), toLead))
        ),
    findByLeadIds: (companyId, leadIds) =>
      db.rows("mockLeads.findByLeadIds", LeadRow, (sql) =>
        sql`
          select lead_id, company_id, external_id, payload, received_at from mock_leads
          where company_id = ${companyId} and lead_id = any(${leadIds as Array<string>})`).pipe(
          Effect.map((rows) => rows.map(toLead))
        ),
    list: (companyId, limit) =>
      Effect.gen(function*() {
        const rows = yield* db.rows("mockLeads.list", LeadRow, (sql) =>
          sql`
            select lead_id, company_id, external_id, payload, received_at from mock_leads
            ${companyId === null ? sql`` : sql`where company_id = ${companyId}`}
            order by id desc limit ${limit}`)
        const [counts] = yield* db.query<ReadonlyArray<{ total: number; duplicates: number }>>("mockLeads.count", (sql) =>
          sql`
            select count(*)::int as total, (count(*) - count(distinct (company_id, external_id)))::int as duplicates
            from mock_leads ${companyId === null ? sql`` : sql`where company_id = ${companyId}`}`)
        return { items: rows.map(toLead), total: counts?.total ?? 0, duplicates: counts?.duplicates ?? 0 }
      }),
    deleteReceivedBefore: deleteOldest(db, "mockLeads.deleteReceivedBefore", {
      table: "mock_leads",
      column: "received_at",
      key: ["id"]
    })
  })
)
