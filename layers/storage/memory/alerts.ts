import { Effect } from "effect"
import type { Alert, AlertKey, CircuitAnnounced } from "../../../src/domain/alerts.ts"
import type { Routing } from "../../../src/domain/job.ts"
import { AlertRepo } from "../../../src/services/Alerts.ts"
import { type MemoryState, repository } from "./store.ts"

const sameKey = (alert: Alert, key: AlertKey) =>
  alert.kind === key.kind && alert.companyId === key.companyId && alert.routingId === key.routingId

const routingOf = (state: MemoryState, alert: Alert): Routing | undefined =>
  alert.jobId === null ? undefined : state.jobs.get(alert.jobId)?.routings.find((r) => r.id === alert.routingId)

/** Whether an open routing alert's cause has passed, as the PostgreSQL layer decides it. */
const settled = (state: MemoryState, alert: Alert) => {
  if (alert.kind !== "sla.breached" && alert.kind !== "dead_letter.added") return false
  const routing = routingOf(state, alert)
  if (routing === undefined) return true
  return alert.kind === "sla.breached"
    ? routing.syncStatus === "synced" || routing.syncStatus === "canceled" || routing.syncStatus === "failed"
    : routing.syncStatus !== "failed"
}

/** Resolves at `at` the open alerts `due` picks; answers how many. */
const resolveWhere = (state: MemoryState, at: Date, due: (alert: Alert) => boolean) => {
  let resolved = 0
  state.alerts = state.alerts.map((alert) => {
    if (alert.resolvedAt !== null || !due(alert)) return alert
    resolved++
    return { ...alert, resolvedAt: at }
  })
  return resolved
}

const newestFirst = (a: Alert, b: Alert) =>
  b.openedAt.getTime() - a.openedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

const currentCircuit = (state: MemoryState, companyId: Alert["companyId"]): CircuitAnnounced =>
  state.openCircuits.has(companyId) ? "open" : "closed"

/** Alerts in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(AlertRepo, (store) =>
  AlertRepo.of({
    raise: (alert) =>
      Effect.sync(() => {
        const alerts = store.state.alerts
        const at = alerts.findIndex((a) => a.resolvedAt === null && sameKey(a, alert))
        if (at >= 0) {
          alerts[at] = { ...alerts[at]!, message: alert.message }
          return false
        }
        alerts.push({ ...alert, resolvedAt: null })
        return true
      }),
    resolve: (key, at) =>
      Effect.sync(() => {
        const alerts = store.state.alerts
        const index = alerts.findIndex((a) => a.resolvedAt === null && sameKey(a, key))
        if (index < 0) return false
        alerts[index] = { ...alerts[index]!, resolvedAt: at }
        return true
      }),
    resolveMany: (keys, at) => Effect.sync(() => resolveWhere(store.state, at, (alert) => keys.some((key) => sameKey(alert, key)))),
    resolveSettled: (at) => Effect.sync(() => resolveWhere(store.state, at, (alert) => settled(store.state, alert))),
    forgetResolved: (resolvedBefore) =>
      Effect.sync(() => {
        const { state } = store
        const kept = state.alerts.filter((a) => a.resolvedAt === null || a.resolvedAt >= resolvedBefore)
        const forgotten = state.alerts.length - kept.length
        state.alerts = kept
        return forgotten
      }),
    open: (limit) =>
      Effect.sync(() => {
        const open = store.state.alerts.filter((a) => a.resolvedAt === null).sort(newestFirst)
        return { items: open.slice(0, limit), total: open.length }
      }),
    claimCircuitAnnouncement: (companyId, state, at, announcedBefore) =>
      Effect.sync(() => {
        const last = store.state.circuitAnnouncements.get(companyId)
        if (last !== undefined && (last.state === state || last.at > announcedBefore)) return false
        store.state.circuitAnnouncements.set(companyId, { state, at })
        return true
      }),
    circuitsToAnnounce: (announcedBefore) =>
      Effect.sync(() =>
        [...store.state.circuitAnnouncements].flatMap(([companyId, last]) => {
          const state = currentCircuit(store.state, companyId)
          return last.at <= announcedBefore && last.state !== state ? [{ companyId, state }] : []
        })
      )
  }))
