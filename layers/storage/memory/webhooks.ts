import { Effect, Option } from "effect"
import type { EventId } from "../../../src/domain/ids.ts"
import type { Webhook, WebhookAttempt, WebhookDeliveryStatus, WebhookId } from "../../../src/domain/webhook.ts"
import { WebhookRepo } from "../../../src/services/Webhooks.ts"
import { isAfter, newestFirst, repository } from "./store.ts"

interface MemoryDelivery {
  readonly id: number
  readonly webhookId: WebhookId
  readonly eventId: EventId
  readonly type: string
  readonly body: string
  readonly createdAt: Date
  status: WebhookDeliveryStatus
  attempts: number
  nextAttemptAt: Date
  lastError: string | null
}

/** The webhook tables of the memory store; attempts in insertion order. */
export interface MemoryWebhooks {
  readonly hooks: Map<WebhookId, Webhook>
  deliveries: Array<MemoryDelivery>
  attempts: Array<WebhookAttempt & { readonly webhookId: WebhookId; readonly deliveryId: number; readonly seq: number }>
}

/** Webhooks over the memory store, answering what the PostgreSQL layer does. */
export const layerMemory = repository(WebhookRepo, (store) => {
  const tables = () => store.state.webhooks
  const update = (id: WebhookId, f: (hook: Webhook) => Webhook) => {
    const hook = tables().hooks.get(id)
    if (hook !== undefined) tables().hooks.set(id, f(hook))
    return hook
  }
  return WebhookRepo.of({
    insert: (hook) => Effect.sync(() => void tables().hooks.set(hook.id, hook)),
    get: (id) => Effect.sync(() => Option.fromNullable(tables().hooks.get(id))),
    list: ({ after, limit }) =>
      Effect.sync(() => Array.from(tables().hooks.values()).filter((h) => isAfter(h, after)).sort(newestFirst).slice(0, limit)),
    delete: (id) =>
      Effect.sync(() => {
        const t = tables()
        if (!t.hooks.delete(id)) return false
        t.deliveries = t.deliveries.filter((d) => d.webhookId !== id)
        t.attempts = t.attempts.filter((a) => a.webhookId !== id)
        return true
      }),
    enqueue: (events, at) =>
      Effect.sync(() => {
        const t = tables()
        let added = 0
        for (const event of events) {
          for (const hook of t.hooks.values()) {
            if (!hook.events.includes(event.type) || hook.createdAt > event.createdAt) continue
            if (hook.companyId !== null && hook.companyId !== event.companyId) continue
            if (t.deliveries.some((d) => d.webhookId === hook.id && d.eventId === event.id)) continue
            t.deliveries.push({
              id: t.deliveries.reduce((max, d) => Math.max(max, d.id), 0) + 1,
              webhookId: hook.id,
              eventId: event.id,
              type: event.type,
              body: event.body,
              createdAt: at,
              status: "pending",
              attempts: 0,
              nextAttemptAt: at,
              lastError: null
            })
            added++
          }
        }
        return added
      }),
    claimDue: (now, leaseUntil, limit) =>
      Effect.sync(() =>
        tables().deliveries
          .filter((d) => d.status === "pending" && d.nextAttemptAt <= now && tables().hooks.get(d.webhookId)?.active === true)
          .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
          .slice(0, limit)
          .sort((a, b) => a.id - b.id)
          .map((d) => {
            const hook = tables().hooks.get(d.webhookId)!
            d.nextAttemptAt = leaseUntil
            return {
              id: d.id,
              webhookId: d.webhookId,
              url: hook.url,
              secret: hook.secret,
              eventId: d.eventId,
              type: d.type,
              body: d.body,
              attempts: d.attempts
            }
          })
      ),
    recordAttempt: (delivery, attempt, outcome) =>
      Effect.sync(() => {
        const t = tables()
        const row = t.deliveries.find((d) => d.id === delivery.id)
        if (row === undefined) return
        row.attempts++
        row.lastError = attempt.error
        if (outcome._tag === "Delivered") row.status = "delivered"
        else if (outcome._tag === "Failed") row.status = "failed"
        else row.nextAttemptAt = outcome.nextAttemptAt
        t.attempts.push({ ...attempt, webhookId: delivery.webhookId, deliveryId: delivery.id, seq: (t.attempts.at(-1)?.seq ?? 0) + 1 })
      }),
    failed: (id, at, maxFailures) =>
      Effect.sync(() => {
        let disabled = false
        update(id, (hook) => {
          const failures = hook.consecutiveFailures + 1
          disabled = hook.active && failures >= maxFailures
          return disabled
            ? { ...hook, consecutiveFailures: failures, active: false, disabledAt: at }
            : { ...hook, consecutiveFailures: failures }
        })
        return disabled
      }),
    enable: (id, at) =>
      Effect.sync(() => {
        const t = tables()
        const hook = update(id, (h) => ({ ...h, active: true, consecutiveFailures: 0, disabledAt: null }))
        if (hook === undefined) return Option.none()
        if (hook.active) return Option.some(0)
        const mine = t.attempts.filter((a) => a.webhookId === id)
        const lastSuccess = Math.max(-Infinity, ...mine.filter((a) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300)
          .map((a) => a.at.getTime()))
        const givenUp = new Set(mine.filter((a) => a.at.getTime() > lastSuccess).map((a) => a.deliveryId))
        let resent = 0
        for (const d of t.deliveries) {
          if (d.webhookId !== id || !(d.status === "pending" || (d.status === "failed" && givenUp.has(d.id)))) continue
          Object.assign(d, { status: "pending", attempts: 0, nextAttemptAt: at, lastError: null })
          resent++
        }
        return Option.some(resent)
      }),
    succeeded: (id) => Effect.sync(() => void update(id, (hook) => ({ ...hook, consecutiveFailures: 0 }))),
    attempts: (id, limit) =>
      Effect.sync(() =>
        tables().attempts
          .filter((a) => a.webhookId === id)
          .sort((a, b) => b.at.getTime() - a.at.getTime() || b.seq - a.seq)
          .slice(0, limit)
          .map(({ deliveryId: _delivery, seq: _seq, webhookId: _hook, ...attempt }) => attempt)
      ),
    deleteFinishedBefore: (before, limit) =>
      Effect.sync(() => {
        const t = tables()
        const doomed = new Set(
          t.deliveries.filter((d) => d.status !== "pending" && d.createdAt < before)
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id)
            .slice(0, limit)
            .map((d) => d.id)
        )
        t.deliveries = t.deliveries.filter((d) => !doomed.has(d.id))
        t.attempts = t.attempts.filter((a) => !doomed.has(a.deliveryId))
        return doomed.size
      })
  })
})
