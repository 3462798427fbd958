import { Effect } from "effect"
import type { KeyRecord } from "../../../src/domain/intake.ts"
import { IdempotencyRepo } from "../../../src/services/Idempotency.ts"
import { repository } from "./store.ts"

const idempotencyKey = (scope: string, key: string) => `${scope}\u0000${key}`

/** Idempotency keys in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(IdempotencyRepo, (store) =>
  IdempotencyRepo.of({
    claim: (claims, { expiresBefore, now }) =>
      Effect.sync(() =>
        claims.map((claim): KeyRecord => {
          const id = idempotencyKey(claim.scope, claim.key)
          const existing = store.state.idempotency.get(id)
          if (existing === undefined || existing.createdAt < expiresBefore) {
            store.state.idempotency.set(id, { requestHash: claim.requestHash, response: null, createdAt: now })
            return { _tag: "Claimed" }
          }
          return { _tag: "Held", requestHash: existing.requestHash, response: structuredClone(existing.response) }
        })
      ),
    complete: (answers) =>
      Effect.sync(() => {
        for (const answer of answers) {
          const existing = store.state.idempotency.get(idempotencyKey(answer.scope, answer.key))
          if (existing !== undefined) existing.response = structuredClone(answer.response)
        }
      }),
    deleteExpired: (expiresBefore, limit) =>
      Effect.sync(() => {
        const doomed = Array.from(store.state.idempotency.entries())
          .filter(([, record]) => record.createdAt < expiresBefore)
          .sort(([, a], [, b]) => a.createdAt.getTime() - b.createdAt.getTime())
          .slice(0, limit)
        for (const [id] of doomed) store.state.idempotency.delete(id)
        return doomed.length
      })
  }))
