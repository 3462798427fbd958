import { Clock, Effect, Option } from "effect"
import type { RoutingId } from "../../../src/domain/ids.ts"
import { isCancelable, type Job, type Routing } from "../../../src/domain/job.ts"
import { type ClaimRequest, RoutingRepo, type WaitingRouting } from "../../../src/services/Routings.ts"
import { holdsLease } from "./partitions.ts"
import { repository } from "./store.ts"

/** Routings in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(RoutingRepo, (store) => {
  const find = (id: RoutingId): { job: Job; routing: Routing } | undefined => {
    for (const job of store.state.jobs.values()) {
      const routing = job.routings.find((r) => r.id === id)
      if (routing !== undefined) return { job, routing }
    }
    return undefined
  }
  const update = (id: RoutingId, f: (routing: Routing) => Routing, jobStatus?: (job: Job) => Job["status"]) => {
    const found = find(id)
    if (found === undefined) return
    const routings = found.job.routings.map((r) => (r.id === id ? f(r) : r))
    const job = { ...found.job, routings }
    store.state.jobs.set(job.id, jobStatus === undefined ? job : { ...job, status: jobStatus(job) })
  }
  const lease = (id: RoutingId) => store.state.leases.get(id) ?? { leaseUntil: null, needsLookup: false, rateLimitedSince: null }
  const hasUnpublishedEvent = (id: RoutingId) =>
    Array.from(store.state.outbox.values()).some((e) => e.aggregateId === id && e.publishedAt === null)

  const claimOne = (id: RoutingId, now: Date, leaseUntil: Date) => {
    const routing = find(id)?.routing
    if (routing === undefined) return undefined
    const current = lease(id)
    const expired = routing.syncStatus === "syncing" && (current.leaseUntil === null || current.leaseUntil < now)
    if (routing.syncStatus !== "pending" && routing.syncStatus !== "retrying" && !expired) return undefined
    const needsLookup = current.needsLookup || routing.syncStatus === "syncing"
    store.state.leases.set(id, { ...current, leaseUntil, needsLookup })
    update(id, (r) => ({ ...r, syncStatus: "syncing", updatedAt: now }))
    return { needsLookup, attempts: routing.attempts, rateLimitedSince: current.rateLimitedSince }
  }

  /** Whether an attempt under the claim leased until `leaseUntil` (none: ended without a claim) may still end. */
  const stillClaimed = (id: RoutingId, leaseUntil: Date | null) => {
    const status = find(id)?.routing.syncStatus
    if (leaseUntil === null) return status === "pending" || status === "retrying" || status === "syncing"
    return status === "syncing" && lease(id).leaseUntil?.getTime() === leaseUntil.getTime()
  }

  const findMany = (ids: ReadonlyArray<RoutingId>) =>
    new Map(ids.flatMap((id) => {
      const found = find(id)
      return found === undefined ? [] : [[id, found] as const]
    }))
  /** Fencing goes by the store's own clock (`clockMs`), as PostgreSQL's goes by the database's. */
  const claimAll = (claims: ReadonlyArray<ClaimRequest>, now: Date, clockMs: number) =>
    new Map(claims.flatMap(({ fence, id, leaseUntil }) => {
      if (fence !== undefined && !holdsLease(store.state, fence, clockMs)) return []
      const claimed = claimOne(id, now, leaseUntil)
      return claimed === undefined ? [] : [[id, claimed] as const]
    }))

  /** When the routing's status was last polled (epoch milliseconds); never: minus infinity. */
  const lastPolledAt = (id: RoutingId) => store.state.lastPolled.get(id)?.getTime() ?? -Infinity

  /** Delivered, its lead not final yet, and not polled since `polledBefore`. */
  const pollable = (r: Routing, polledBefore: Date) =>
    r.syncStatus === "synced" && r.externalId !== null && r.externalStatus !== "completed" &&
    r.externalStatus !== "canceled" && lastPolledAt(r.id) < polledBefore.getTime()

  return RoutingRepo.of({
    get: (id) => Effect.sync(() => Option.fromNullable(find(id))),

    getMany: (ids) => Effect.sync(() => findMany(ids)),

    claimMany: (claims, now) => Effect.map(Clock.currentTimeMillis, (clockMs) => claimAll(claims, now, clockMs)),

    getAndClaimMany: (claims, now) =>
      Effect.map(Clock.currentTimeMillis, (clockMs) => {
        const found = findMany(claims.map((c) => c.id))
        return { found, claims: claimAll(claims, now, clockMs) }
      }),

    claim: (id, now, leaseUntil) => Effect.sync(() => Option.fromNullable(claimOne(id, now, leaseUntil))),

    release: (ids, now) =>
      Effect.sync(() => {
        for (const id of ids) {
          if (find(id)?.routing.syncStatus !== "syncing") continue
          store.state.leases.set(id, { ...lease(id), leaseUntil: null })
          update(id, (r) => ({ ...r, syncStatus: r.attempts > 0 ? "retrying" : "pending", updatedAt: now }))
        }
      }),

    finish: (finished, events = []) =>
      Effect.sync(() => {
        const written = new Set<string>()
        for (const { id, leaseUntil, result, timing } of finished) {
          if (!stillClaimed(id, leaseUntil)) continue
          written.add(id)
          const attempts = store.state.attempts.get(id) ?? []
          store.state.attempts.set(id, [...attempts, {
            at: timing.at,
            outcome: result.outcome,
            durationMs: Math.round(timing.durationMs),
            error: result._tag === "Synced" ? null : result.error
          }])
          store.state.leases.set(id, {
            leaseUntil: null,
            needsLookup: result._tag === "Failed" && !result.known,
            rateLimitedSince: result.outcome === "rate_limited" ? lease(id).rateLimitedSince ?? timing.at : null
          })
          if (result._tag === "Synced") {
            update(
              id,
              (r) => ({
                ...r,
                syncStatus: "synced",
                externalId: result.externalId,
                syncedAt: timing.at,
                attempts: r.attempts + 1,
                lastError: null,
                updatedAt: timing.at
              }),
              (job) => (job.status === "pending" ? "routed" : job.status)
            )
          } else {
            update(id, (r) => ({
              ...r,
              syncStatus: result.status,
              lastError: result.error,
              attempts: r.attempts + (result.counts ? 1 : 0),
              updatedAt: timing.at
            }))
          }
        }
        for (const e of events) {
          if (written.has(e.aggregateId)) store.state.outbox.set(e.id, { ...e, publishedAt: null })
        }
      }),

    attempts: (id) => Effect.sync(() => store.state.attempts.get(id) ?? []),

    callsSince: (since) =>
      Effect.sync(() =>
        [...store.state.attempts].flatMap(([id, attempts]) => {
          const companyId = find(id)?.routing.companyId
          return companyId === undefined ? [] : attempts.filter((a) => a.at >= since).map((a) => ({ companyId, at: a.at }))
        }).sort((a, b) => a.at.getTime() - b.at.getTime())
      ),

    waiting: (before, limit, companyId) =>
      Effect.sync(() => {
        const waiting: Array<WaitingRouting & { readonly updatedAt: Date }> = []
        for (const job of store.state.jobs.values()) {
          for (const r of job.routings) {
            const leaseUntil = lease(r.id).leaseUntil
            const open = r.syncStatus === "pending" || r.syncStatus === "retrying" ||
              (r.syncStatus === "syncing" && (leaseUntil === null || leaseUntil < before))
            const ofCompany = companyId === undefined || r.companyId === companyId
            if (open && ofCompany && r.updatedAt < before && !hasUnpublishedEvent(r.id)) {
              waiting.push({ routingId: r.id, jobId: job.id, companyId: r.companyId, priority: job.priority, updatedAt: r.updatedAt })
            }
          }
        }
        return waiting
          .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
          .slice(0, limit)
          .map(({ updatedAt: _, ...w }) => w)
      }),

    touch: (ids, now) =>
      Effect.sync(() => {
        for (const id of ids) update(id, (r) => ({ ...r, updatedAt: now }))
      }),

    failedOf: (companyId, after, limit) =>
      Effect.sync(() =>
        Array.from(store.state.jobs.values())
          .flatMap((job) => job.routings)
          .filter((r) => r.companyId === companyId && r.syncStatus === "failed" && (after === null || r.id > after))
          .map((r) => r.id)
          .sort()
          .slice(0, limit)
      ),

    reopenMany: (ids, now) =>
      Effect.sync(() =>
        ids.flatMap((id) => {
          const found = find(id)
          if (found?.routing.syncStatus !== "failed") return []
          store.state.leases.set(id, { ...lease(id), rateLimitedSince: null })
          update(id, (r) => ({ ...r, syncStatus: "pending", attempts: 0, lastError: null, updatedAt: now }))
          return [{ routingId: id, jobId: found.job.id, companyId: found.routing.companyId, priority: found.job.priority }]
        })
      ),

    releaseDue: (now) =>
      Effect.sync(() => {
        let released = 0
        for (const event of store.state.outbox.values()) {
          const due = event.publishedAt === null && event.availableAt !== undefined &&
            event.availableAt.getTime() <= now.getTime() && event.type === "routing.created"
          const id = event.aggregateId as RoutingId
          if (!due || find(id)?.routing.syncStatus !== "scheduled") continue
          update(id, (r) => ({ ...r, syncStatus: "pending", updatedAt: now }))
          released++
        }
        return released
      }),

    cancel: (id, now) =>
      Effect.sync(() => {
        const found = find(id)
        if (found === undefined || !isCancelable(found.routing)) return false
        update(id, (r) => ({ ...r, syncStatus: "canceled", updatedAt: now }))
        return true
      }),

    claimToPoll: (companyId, polledBefore, limit, now) =>
      Effect.sync(() => {
        const due = Array.from(store.state.jobs.values())
          .flatMap((job) => job.routings)
          .filter((r) => r.companyId === companyId && pollable(r, polledBefore))
          .sort((a, b) => lastPolledAt(a.id) - lastPolledAt(b.id))
          .slice(0, limit)
        for (const routing of due) store.state.lastPolled.set(routing.id, now)
        return due
      }),

    companiesToPoll: (due) =>
      Effect.sync(() => {
        const routings = Array.from(store.state.jobs.values()).flatMap((job) => job.routings)
        return new Set(due.flatMap(({ companyId, polledBefore }) =>
          routings.some((r) => r.companyId === companyId && pollable(r, polledBefore)) ? [companyId] : []
        ))
      }),

    recordStatus: (id, status, at) =>
      Effect.sync(() => {
        store.state.lastPolled.set(id, at)
        update(id, (r) => ({ ...r, ...status, updatedAt: at }))
      }),

    markPolled: (ids, at) => Effect.sync(() => ids.forEach((id) => store.state.lastPolled.set(id, at))),

    cancelDelivered: (id, record) =>
      Effect.sync(() => {
        const routing = find(id)?.routing
        if (routing?.syncStatus !== "synced" || routing.externalStatus === "in_progress" || routing.externalStatus === "completed") {
          return false
        }
        update(id, (r) => ({ ...r, syncStatus: "canceled", updatedAt: record.at }))
        const attempts = store.state.attempts.get(id) ?? []
        store.state.attempts.set(id, [...attempts, {
          at: record.at,
          outcome: record.outcome,
          durationMs: Math.round(record.durationMs),
          error: record.note
        }])
        return true
      })
  })
})
