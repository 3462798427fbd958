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

/**
 * What of a row counts as a change, where not all of it: a key's `last_used_at` moves whenever the key is accepted,
 * also for a request refused afterwards.
 */
const ROW: Partial<Record<(typeof TABLES)[number], string>> = {
  api_keys: "(t.id, t.role, t.company_id, t.name, t.key_hash, t.prefix, t.created_at, t.revoked_at, t.expires_at)"
}

/** Each table's row count and an md5 of all its rows, in one statement. */
const snapshotStatement = TABLES.map((table) => {
  const row = `${ROW[table] ?? "t"}::text`
  return `select '${table}' as table_name, count(*)::int as row_count, ` +
    `md5(coalesce(string_agg(${row}, E'\\n' order by ${row}), '')) as checksum from ${table} t`
}).join(" union all ")

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
