import { Effect } from "effect"
import type { CompanyId } from "../../src/domain/ids.ts"
import type { Job } from "../../src/domain/job.ts"
import { JobRepo } from "../../src/services/Jobs.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { makeJob } from "./fixtures.ts"

/** Where a routing ends up: delivered that many ms after its job was accepted, or left in a status. */
export type RoutingFate =
  | { readonly deliveredAfterMs: number }
  | "pending"
  | "retrying"
  | "syncing"
  | "failed"
  | "canceled"

/**
 * A job of `creator` accepted at `acceptedAt` with one routing to `receiver`, written through the repositories and
 * moved by them to its fate, as delivery would (claimed, then finished).
 */
export const routedJob = (creator: CompanyId, receiver: CompanyId, acceptedAt: Date, fate: RoutingFate) =>
  Effect.gen(function*() {
    const job: Job = makeJob(creator, [receiver], { createdAt: acceptedAt })
    yield* (yield* JobRepo).insert([job])
    const routings = yield* RoutingRepo
    const id = job.routings[0]!.id
    const later = (ms: number) => new Date(acceptedAt.getTime() + ms)
    const failed = (status: "retrying" | "failed") =>
      ({ _tag: "Failed", status, outcome: "error", error: "boom", counts: true, known: true }) as const
    if (fate === "canceled") {
      yield* routings.cancel(id, later(1))
    } else if (fate !== "pending") {
      yield* routings.claim(id, later(1), later(30_000))
      if (typeof fate === "object") {
        yield* routings.finish([{ id, leaseUntil: later(30_000), result: { _tag: "Synced", externalId: `lead-${id}`, outcome: "created" }, timing: {
          at: later(fate.deliveredAfterMs),
          durationMs: 5
        } }])
      } else if (fate !== "syncing") {
        yield* routings.finish([{ id, leaseUntil: later(30_000), result: failed(fate), timing: { at: later(2), durationMs: 5 } }])
      }
    }
    return { job, routingId: id }
  })
