import { Effect } from "effect"
import type { KeyRecord } from "../../../src/domain/intake.ts"
import { IdempotencyRepo } from "../../../src/services/Idempotency.ts"
import { repository } from "./repository.ts"
import { deleteOldest } from "./deleteOldest.ts"

interface ClaimRow {
  readonly ord: number
  readonly claimed: boolean
  readonly request_hash: string
  readonly response: unknown
}

/** Idempotency keys on PostgreSQL: `idempotency_keys`. */
export const layer = repository(IdempotencyRepo, (db) =>
  IdempotencyRepo.of({
    claim: (claims, { expiresBefore, now }) => {
      if (claims.length === 0) return Effect.succeed([])
      const input = claims.map((c, ord) => ({ ord, scope: c.scope, key: c.key, request_hash: c.requestHash }))
      // Every key's row is written, so that the statement waits for a transaction holding the key to commit and
      // then answers its record: a live record is written back unchanged, an expired one is taken over. A committed
      // record always has its response (claim and complete share a transaction), so no response means claimed here.
      // Keys are written in order, so that two batches claiming the same keys cannot deadlock.
      return db.query<ReadonlyArray<ClaimRow>>("idempotency.claim", (sql) =>
        sql`
          with input as (
            select * from jsonb_to_recordset(${sql.json(input as never)})
              as i (ord int, scope text, key text, request_hash text)
          ),
          written as (
            insert into idempotency_keys as k (scope, key, request_hash, created_at)
            select scope, key, request_hash, ${now} from input order by scope, key
            on conflict (scope, key) do update set
              request_hash = case when k.created_at < ${expiresBefore} then excluded.request_hash else k.request_hash end,
              response = case when k.created_at < ${expiresBefore} then null else k.response end,
              created_at = case when k.created_at < ${expiresBefore} then excluded.created_at else k.created_at end
            returning k.scope, k.key, k.request_hash, k.response
          )
          select i.ord, w.response is null as claimed, w.request_hash, w.response
          from input i join written w using (scope, key)
          order by i.ord`).pipe(
          Effect.map((rows) =>
            rows.map((row): KeyRecord =>
              row.claimed ? { _tag: "Claimed" } : { _tag: "Held", requestHash: row.request_hash, response: row.response }
            )
          )
        )
    },
    complete: (answers) =>
      answers.length === 0 ? Effect.void : db.query("idempotency.complete", (sql) =>
        sql`
          update idempotency_keys k set response = a.response
          from jsonb_to_recordset(${sql.json(answers as never)}) as a (scope text, key text, response jsonb)
          where k.scope = a.scope and k.key = a.key`).pipe(Effect.asVoid),
    // Keys a claim is taking over are skipped, and one it took over meanwhile is no longer expired when locked.
    deleteExpired: deleteOldest(db, "idempotency.deleteExpired", {
      table: "idempotency_keys",
      column: "created_at",
      key: ["scope", "key"]
    })
  })
)
