import { Effect, Layer } from "effect"
import { IdempotencyRepo } from "../../../src/services/Idempotency.ts"
import { Db } from "../Db.ts"

export const layer = Layer.effect(
  IdempotencyRepo,
  Effect.gen(function*() {
    const db = yield* Db
    return IdempotencyRepo.of({
      claim: (claim) =>
        Effect.gen(function*() {
          // Inserting waits for a concurrent holder of the key to commit; an expired record is taken over.
          const claimed = yield* db.query("idempotency.claim", (sql) =>
            sql`
              insert into idempotency_keys (scope, key, request_hash, created_at)
              values (${claim.scope}, ${claim.key}, ${claim.requestHash}, ${claim.now})
              on conflict (scope, key) do update
                set request_hash = excluded.request_hash, response = null, created_at = excluded.created_at
                where idempotency_keys.created_at < ${claim.expiresBefore}
              returning 1`)
          if (claimed.length > 0) return { _tag: "Claimed" } as const
          const [existing] = yield* db.query<ReadonlyArray<{ request_hash: string; response: unknown }>>(
            "idempotency.read",
            (sql) =>
              sql`select request_hash, response from idempotency_keys where scope = ${claim.scope} and key = ${claim.key}`
          )
          return existing === undefined || existing.request_hash !== claim.requestHash
            ? { _tag: "Mismatch" } as const
            : { _tag: "Replay", response: existing.response } as const
        }),
      complete: (scope, key, response) =>
        db.query("idempotency.complete", (sql) =>
          sql`update idempotency_keys set response = ${sql.json(response as never)} where scope = ${scope} and key = ${key}`)
          .pipe(Effect.asVoid)
    })
  })
)
