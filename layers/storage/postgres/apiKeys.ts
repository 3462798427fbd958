import { Effect, Option, Schema } from "effect"
import { ApiKey, LAST_USED_GRANULARITY_MS } from "../../../src/domain/apiKey.ts"
import { CompanyStatus } from "../../../src/domain/company.ts"
import { ApiKeyRepo } from "../../../src/services/ApiKeys.ts"
import { column } from "./decode.ts"
import { repository } from "./repository.ts"
import { columnsOf, rowInsert, rowOf } from "./rows.ts"

/** An API key as its row: the domain struct under snake_case columns. */
const ApiKeyRow = rowOf(ApiKey)

/** The key's columns, of `api_keys k` (the lookup joins `companies`, which has columns of the same names). */
const COLUMNS = columnsOf(ApiKey).map((name) => `k.${name}`)

const FoundKeyRow = Schema.Struct({ ...ApiKeyRow.fields, companyStatus: column(Schema.NullOr(CompanyStatus), "company_status") })

/** API keys on PostgreSQL: `api_keys`, found by the SHA-256 of the key. */
export const layer = repository(ApiKeyRepo, (db) =>
  ApiKeyRepo.of({
    insert: rowInsert(db, ApiKeyRow, "api_keys", "apiKeys.insert"),
    findActive: (keyHash, now) =>
      db.rows("apiKeys.findActive", FoundKeyRow, (sql) =>
        sql`
          select ${sql(COLUMNS)}, c.status as company_status
          from api_keys k left join companies c on c.id = k.company_id
          where k.key_hash = ${keyHash} and k.revoked_at is null and (k.expires_at is null or k.expires_at > ${now})`).pipe(
          Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(({ companyStatus, ...key }) => ({ key, companyStatus }))))
        ),
    recordUse: (id, now) =>
      db.query("apiKeys.recordUse", (sql) =>
        sql`
          update api_keys set last_used_at = ${now}
          where id = ${id} and (last_used_at is null or last_used_at <= ${new Date(now.getTime() - LAST_USED_GRANULARITY_MS)})`).pipe(
          Effect.asVoid
        ),
    list: ({ after, limit }) =>
      db.rows("apiKeys.list", ApiKeyRow, (sql) =>
        sql`
          select ${sql(COLUMNS)} from api_keys k
          ${after === null ? sql`` : sql`where (k.created_at, k.id) < (${after.createdAt}, ${after.id})`}
          order by k.created_at desc, k.id desc
          limit ${limit}`),
    revoke: (id, now) =>
      db.query("apiKeys.revoke", (sql) =>
        sql`update api_keys set revoked_at = ${now} where id = ${id} and revoked_at is null returning id`).pipe(
          Effect.map((rows) => rows.length > 0)
        )
  })
)
