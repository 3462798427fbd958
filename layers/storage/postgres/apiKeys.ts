import { Effect, Layer, Option, Schema } from "effect"
import { ApiKeyRole } from "../../../src/domain/apiKey.ts"
import { CompanyStatus } from "../../../src/domain/company.ts"
import { ApiKeyId, CompanyId } from "../../../src/domain/ids.ts"
import { ApiKeyRepo } from "../../../src/services/ApiKeys.ts"
import { Db } from "../Db.ts"
import { decodeRows } from "./decode.ts"

const ApiKeyRow = Schema.Struct({
  id: ApiKeyId,
  role: ApiKeyRole,
  company_id: Schema.NullOr(CompanyId),
  name: Schema.String,
  key_hash: Schema.String,
  prefix: Schema.String,
  created_at: Schema.DateFromSelf,
  revoked_at: Schema.NullOr(Schema.DateFromSelf)
})

const FoundKeyRow = Schema.Struct({ ...ApiKeyRow.fields, company_status: Schema.NullOr(CompanyStatus) })

export const layer = Layer.effect(
  ApiKeyRepo,
  Effect.gen(function*() {
    const db = yield* Db
    const decodeFound = decodeRows(FoundKeyRow, "apiKeys")
    return ApiKeyRepo.of({
      insert: (k) =>
        db.query("apiKeys.insert", (sql) =>
          sql`
            insert into api_keys (id, role, company_id, name, key_hash, prefix, created_at, revoked_at)
            values (${k.id}, ${k.role}, ${k.companyId}, ${k.name}, ${k.keyHash}, ${k.prefix}, ${k.createdAt},
              ${k.revokedAt})`).pipe(Effect.asVoid),
      findActive: (keyHash) =>
        db.query("apiKeys.findActive", (sql) =>
          sql`
            select k.id, k.role, k.company_id, k.name, k.key_hash, k.prefix, k.created_at, k.revoked_at,
              c.status as company_status
            from api_keys k left join companies c on c.id = k.company_id
            where k.key_hash = ${keyHash} and k.revoked_at is null`).pipe(
            Effect.flatMap(decodeFound),
            Effect.map((rows) =>
              Option.fromNullable(rows[0]).pipe(Option.map((r) => ({
                key: {
                  id: r.id,
                  role: r.role,
                  companyId: r.company_id,
                  name: r.name,
                  keyHash: r.key_hash,
                  prefix: r.prefix,
                  createdAt: r.created_at,
                  revokedAt: r.revoked_at
                },
                companyStatus: r.company_status
              })))
            )
          ),
      revoke: (id, now) =>
        db.query("apiKeys.revoke", (sql) =>
          sql`update api_keys set revoked_at = ${now} where id = ${id} and revoked_at is null returning id`).pipe(
            Effect.map((rows) => rows.length > 0)
          )
    })
  })
)
