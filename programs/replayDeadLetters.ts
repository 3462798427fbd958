import { Effect, Option, Schema } from "effect"
import { NotFound } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { RoutingId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { Broker } from "../src/services/Broker.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { requireAdmin } from "./access.ts"
import { currentTopology } from "./brokerTopology.ts"
import { type DeadLetter, toDeadLetter } from "./deadLetters.ts"
import { reopenRoutings } from "./reopenRoutings.ts"

/** Dead letters read (and their routings reopened) per step. */
const BATCH = 500

/** Removals of dead letters in flight at once. */
const DELETE_CONCURRENCY = 16

/** Which dead letters a bulk replay takes; each given field narrows it, none given takes every one. */
export interface DeadLetterFilter {
  readonly companyId?: CompanyId | undefined
  /** A substring of the reason, whatever its case. */
  readonly reasonContains?: string | undefined
  /** Only those that failed before this. */
  readonly before?: Date | undefined
}

/** What a bulk replay did: routings delivered again, dead letters matched but left (see `replayDeadLetters`), batches read. */
export interface BulkReplayResult {
  readonly count: number
  readonly skipped: number
  readonly batches: number
}

const matches = (filter: DeadLetterFilter) => {
  const needle = filter.reasonContains?.toLowerCase()
  return (letter: DeadLetter) =>
    (filter.companyId === undefined || letter.companyId === filter.companyId) &&
    (needle === undefined || letter.reason.toLowerCase().includes(needle)) &&
    (filter.before === undefined || letter.failedAt < filter.before)
}

/**
 * Replays every dead letter that matches (admin), as `POST /admin/dlq/:id/replay` does one: walking the dead-letter
 * stream a page at a time up to its last message when the call began, it reopens the page's `failed` routings with
 * their outbox events in one transaction, then removes their dead letters. A dead letter that names no routing, or
 * whose routing is no longer `failed` (retried since), is skipped and left in place. A crash midway loses nothing and
 * doubles nothing: a reopened routing's dead letter left behind is skipped by the next call. An unknown company is
 * `NotFound`.
 */
export const replayDeadLetters = Effect.fn("DeadLetters.replayMatching")(function*(
  filter: DeadLetterFilter,
  batchSize: number = BATCH
) {
  yield* requireAdmin
  if (filter.companyId !== undefined && !(yield* (yield* CompanyRepo).exists(filter.companyId))) {
    return yield* new NotFound({ resource: "company", id: filter.companyId })
  }
  const broker = yield* Broker
  const names = yield* currentTopology
  const state = yield* broker.streamState(names.deadLetterStream)
  const result = { count: 0, skipped: 0, batches: 0 }
  if (Option.isNone(state)) return result satisfies BulkReplayResult
  const last = state.value.lastSequence
  const wanted = matches(filter)
  const at = yield* now
  let from = state.value.firstSequence
  while (from <= last) {
    const page = (yield* broker.listMessages(names.deadLetterStream, { fromSequence: from, limit: batchSize }))
      .filter((m) => m.sequence <= last)
    if (page.length === 0) break
    from = page[page.length - 1]!.sequence + 1
    const letters = page.map(toDeadLetter).filter(wanted)
    const named = letters.flatMap((letter) =>
      Option.toArray(Option.map(Schema.decodeUnknownOption(RoutingId)(letter.routingId), (routingId) => ({ letter, routingId }))))
    const reopened = named.length === 0 ? new Set<RoutingId>() : yield* reopenRoutings(named.map((n) => n.routingId), at)
    const replayed = named.filter((n) => reopened.has(n.routingId))
    yield* Effect.forEach(replayed, (n) => broker.deleteMessage(names.deadLetterStream, n.letter.id), {
      concurrency: DELETE_CONCURRENCY,
      discard: true
    })
    result.count += reopened.size
    result.skipped += letters.length - replayed.length
    result.batches++
    yield* Effect.logInfo("dead letters replay: batch done").pipe(
      Effect.annotateLogs({ batch: result.batches, replayed: result.count, skipped: result.skipped })
    )
  }
  yield* Effect.logInfo("dead letters replayed").pipe(
    Effect.annotateLogs({ replayed: result.count, skipped: result.skipped, batches: result.batches })
  )
  return result satisfies BulkReplayResult
})
