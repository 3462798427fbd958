import type { Sql } from "../../layers/storage/Db.ts"

/** The tables a request could write to. */
const TABLES = [
  "companies",
  "company_skills",
  "company_providers",
  "technicians",
  "api_keys",
  "jobs",
  "job_routings",
  "routing_attempts",
  "outbox_events",
  "idempotency_keys",
  "webhooks",
  "webhook_deliveries"
] as const

/** Each table's row count and an md5 of all its rows, in one statement. */
const snapshotStatement = TABLES.map((table) =>
  `select '${table}' as table_name, count(*)::int as row_count, ` +
  `md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as checksum from ${table} t`
).join(" union all ")

export type DbSnapshot = Record<string, string>

export const takeSnapshot = async (sql: Sql): Promise<DbSnapshot> => {
  const rows = await sql.unsafe<Array<{ table_name: string; row_count: number; checksum: string }>>(snapshotStatement)
  return Object.fromEntries(rows.map((row) => [row.table_name, `${row.row_count} rows, md5 ${row.checksum}`]))
}

/**
 * Checks that rejected requests leave the database as it was. The last snapshot is kept between requests, so each
 * request costs one snapshot: after a rejection it is compared with the kept one, after an acceptance it replaces it.
 */
export const makeDbGuard = (sql: Sql) => {
  let last: DbSnapshot | undefined
  return {
    /** The snapshot before the next request; taken now if none is kept. */
    before: async () => (last ??= await takeSnapshot(sql)),
    /** The snapshot after a request, which becomes the kept one. */
    after: async () => (last = await takeSnapshot(sql))
  }
}
