import { Effect, Option, Schema } from "effect"
import { ApiKeyRole, LAST_USED_GRANULARITY_MS } from "../../../src/domain/apiKey.ts"
import { CompanyStatus } from "../../../src/domain/company.ts"
import { ApiKeyId, CompanyId } from "../../../src/domain/ids.ts"
import { ApiKeyRepo } from "../../../src/services/ApiKeys.ts"
import { column } from "./decode.ts"
import { repository } from "./repository.ts"

const ApiKeyRow = Schema.Struct({
  id: ApiKeyId,
  role: ApiKeyRole,
  companyId: column(Schema.NullOr(CompanyId), "company_id"),
  name: Schema.String,
  keyHash: column(Schema.String, "key_hash"),
  prefix: Schema.String,
  createdAt: column(Schema.DateFromSelf, "created_at"),
  revokedAt: column(Schema.NullOr(Schema.DateFromSelf), "revoked_at"),
  lastUsedAt: column(Schema.NullOr(Schema.DateFromSelf), "last_used_at"),
  expiresAt: column(Schema.NullOr(Schema.DateFromSelf), "expires_at")
})

const COLUMNS = "k.id, k.role, k.company_id, k.name, k.key_hash, k.prefix, k.created_at, k.revoked_at, k.last_used_at, k.expires_at"

const FoundKeyRow = Schema.Struct({ ...ApiKeyRow.fields, companyStatus: column(Schema.NullOr(CompanyStatus), "company_status") })

/** API keys on PostgreSQL: `api_keys`, found by the SHA-256 of the key. */
export const layer = repository(ApiKeyRepo, (db) =>
  ApiKeyRepo.of({
    insert: (k) =>
      db.query("apiKeys.insert", (sql) =>
        sql`
          insert into api_keys (id, role, company_id, name, key_hash, prefix, created_at, revoked_at, last_used_at, expires_at)
          values (${k.id}, ${k.role}, ${k.companyId}, ${k.name}, ${k.keyHash}, ${k.prefix}, ${k.createdAt},
            ${k.revokedAt}, ${k.lastUsedAt}, ${k.expiresAt})`).pipe(Effect.asVoid),
    findActive: (keyHash, now) =>
      db.rows("apiKeys.findActive", FoundKeyRow, (sql) =>
        sql`
          select ${sql.unsafe(COLUMNS)}, c.status as company_status
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
          select ${sql.unsafe(COLUMNS)} from api_keys k
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
