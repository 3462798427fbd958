import { Array as Arr, Effect, Either, type Scope } from "effect"
import * as GroupCommit from "../src/GroupCommit.ts"
import type { RoutingId } from "../src/domain/ids.ts"
import type { Job, Routing } from "../src/domain/job.ts"
import { now } from "../src/domain/time.ts"
import type { OutboxRepo } from "../src/services/Outbox.ts"
import { type Claim, type ClaimRequest, RoutingRepo } from "../src/services/Routings.ts"
import type { StorageError } from "../src/services/StorageError.ts"
import type { Transactions } from "../src/services/Transactions.ts"
import { type FinishedAttempt, finishAttempts } from "./finishAttempt.ts"

/** The storage work of delivery batches, shared by every company's actor in the process. */
export interface DeliveryStorage {
  /** The routings, each with its job, as `RoutingRepo.getMany` reads them. */
  readonly read: (
    ids: ReadonlyArray<RoutingId>
  ) => Effect.Effect<ReadonlyMap<RoutingId, { readonly routing: Routing; readonly job: Job }>, StorageError>
  /** `read` and `claim` in one step, as `RoutingRepo.getAndClaimMany` makes them now. */
  readonly readAndClaim: (claims: ReadonlyArray<ClaimRequest>) => Effect.Effect<{
    readonly found: ReadonlyMap<RoutingId, { readonly routing: Routing; readonly job: Job }>
    readonly claims: ReadonlyMap<RoutingId, Claim>
  }, StorageError>
  /** Claims, as `RoutingRepo.claimMany` makes them now; answers those it took. */
  readonly claim: (claims: ReadonlyArray<ClaimRequest>) => Effect.Effect<ReadonlyMap<RoutingId, Claim>, StorageError>
  /** Writes attempts' results and their events, as `finishAttempts` does. */
  readonly write: (finished: ReadonlyArray<FinishedAttempt>) => Effect.Effect<void, StorageError>
}

/** The most hand-ins (each up to a batch's routings) one grouped statement takes. */
const MAX_GROUPED = 128

/** Each hand-in's part of a grouped answer keyed by routing id. */
const split = <A>(groups: ReadonlyArray<ReadonlyArray<RoutingId>>, all: ReadonlyMap<RoutingId, A>) =>
  groups.map((ids) =>
    Either.right<ReadonlyMap<RoutingId, A>>(new Map(ids.flatMap((id) => {
      const found = all.get(id)
      return found === undefined ? [] : [[id, found] as const]
    })))
  )

/**
 * `DeliveryStorage` for the whole process, each operation a group commit: while one statement (or transaction) runs,
 * what any actor hands in meanwhile waits, and the next statement takes all of it. Many companies each delivering a
 * routing or two then cost a read, a claim and a write a round, not one of each per company; the routings of one job
 * going to several companies are read with it once.
 */
export const groupedDeliveryStorage: Effect.Effect<
  DeliveryStorage,
  never,
  Scope.Scope | RoutingRepo | OutboxRepo | Transactions
> = Effect.gen(function*() {
  const routings = yield* RoutingRepo
  const read = yield* GroupCommit.make({
    name: "Delivery.read",
    maxBatch: MAX_GROUPED,
    run: (groups: ReadonlyArray<ReadonlyArray<RoutingId>>) =>
      Effect.map(routings.getMany([...new Set(groups.flat())]), (all) => split(groups, all))
  })
  const claim = yield* GroupCommit.make({
    name: "Delivery.claim",
    maxBatch: MAX_GROUPED,
    run: (groups: ReadonlyArray<ReadonlyArray<ClaimRequest>>) =>
      Effect.flatMap(now, (at) => routings.claimMany(groups.flat(), at)).pipe(
        Effect.map((all) => split(groups.map((claims) => claims.map((c) => c.id)), all))
      )
  })
  const readAndClaim = yield* GroupCommit.make({
    name: "Delivery.readAndClaim",
    maxBatch: MAX_GROUPED,
    run: (groups: ReadonlyArray<ReadonlyArray<ClaimRequest>>) =>
      Effect.flatMap(now, (at) => routings.getAndClaimMany(groups.flat(), at)).pipe(
        Effect.map(({ found, claims }) => {
          const ids = groups.map((group) => group.map((c) => c.id))
          return Arr.zipWith(split(ids, found), split(ids, claims), (f, c) => Either.zipWith(f, c, (found, claims) => ({ found, claims })))
        })
      )
  })
  const write = yield* GroupCommit.make({
    name: "Delivery.writeResults",
    maxBatch: MAX_GROUPED,
    run: (groups: ReadonlyArray<ReadonlyArray<FinishedAttempt>>) =>
      Effect.as(finishAttempts(groups.flat()), groups.map(() => Either.right<void>(undefined)))
  })
  return {
    read: (ids) => (ids.length === 0 ? Effect.succeed(new Map()) : read(ids)),
    claim: (claims) => (claims.length === 0 ? Effect.succeed(new Map()) : claim(claims)),
    readAndClaim: (claims) => (claims.length === 0 ? Effect.succeed({ found: new Map(), claims: new Map() }) : readAndClaim(claims)),
    write: (finished) => (finished.length === 0 ? Effect.void : write(finished))
  }
})
