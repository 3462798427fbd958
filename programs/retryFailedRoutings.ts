import { Effect } from "effect"
import { NotFound } from "../src/domain/errors.ts"
import type { CompanyId, RoutingId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { RoutingRepo } from "../src/services/Routings.ts"
import { requireAdmin } from "./access.ts"
import { reopenRoutings } from "./reopenRoutings.ts"

/** Routings reopened per transaction. */
const BATCH = 500

/** What a bulk retry did: routings delivered again, and the batches it took. */
export interface BulkRetryResult {
  readonly count: number
  readonly batches: number
}

/**
 * Every `failed` routing of the company goes back to `pending` and is delivered again (admin), a batch at a time by id
 * (one transaction each), as `POST /routings/:id/retry` does for one; their dead letters stay, as they do there. A
 * routing that fails again while this runs is left for the next call: the pages move forward by id only.
 */
export const retryFailedRoutings = Effect.fn("Routings.retryFailed")(function*(companyId: CompanyId, batchSize: number = BATCH) {
  yield* requireAdmin
  if (!(yield* (yield* CompanyRepo).exists(companyId))) return yield* new NotFound({ resource: "company", id: companyId })
  const routings = yield* RoutingRepo
  const at = yield* now
  let after: RoutingId | null = null
  let count = 0
  let batches = 0
  while (true) {
    const ids: ReadonlyArray<RoutingId> = yield* routings.failedOf(companyId, after, batchSize)
    if (ids.length === 0) break
    count += (yield* reopenRoutings(ids, at)).size
    batches++
    yield* Effect.logInfo("failed routings retry: batch done").pipe(Effect.annotateLogs({ company_id: companyId, batch: batches, retried: count }))
    if (ids.length < batchSize) break
    after = ids[ids.length - 1]!
  }
  yield* Effect.logInfo("failed routings retried").pipe(Effect.annotateLogs({ company_id: companyId, retried: count, batches }))
  return { count, batches } satisfies BulkRetryResult
})
