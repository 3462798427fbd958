import { Effect, Option } from "effect"
import type { OutboxEvent } from "../../../src/domain/events.ts"
import { OutboxRepo } from "../../../src/services/Outbox.ts"
import { repository } from "./store.ts"

/** When an event comes due: when its hold ends, else when it was written. */
const dueOf = (event: OutboxEvent): number => (event.availableAt ?? event.createdAt).getTime()

/** The outbox in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(OutboxRepo, (store) => {
  const unpublished = () =>
    Array.from(store.state.outbox.values())
      .filter((e) => e.publishedAt === null)
      .map(({ publishedAt: _, ...event }): OutboxEvent => event)
  const byId = (a: OutboxEvent, b: OutboxEvent) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  /** Unpublished events due by `now`, in the order they came due. */
  const due = (now: Date) =>
    unpublished()
      .filter((e) => dueOf(e) <= now.getTime())
      .sort((a, b) => dueOf(a) - dueOf(b) || byId(a, b))
  return OutboxRepo.of({
    append: (events) =>
      Effect.sync(() => {
        for (const e of events) store.state.outbox.set(e.id, { ...e, publishedAt: null })
      }),
    pending: (limit) =>
      Effect.sync(() =>
        unpublished().sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byId(a, b)).slice(0, limit)
      ),
    /** One process holds the memory store, so claiming needs no lock. */
    claimUnpublished: (limit, now, kind) =>
      Effect.sync(() => due(now).filter((e) => (e.availableAt !== undefined) === (kind === "held")).slice(0, limit)),
    markPublished: (ids, at) =>
      Effect.sync(() => {
        for (const id of ids) {
          const event = store.state.outbox.get(id)
          if (event !== undefined) store.state.outbox.set(id, { ...event, publishedAt: at })
        }
      }),
    nextHeld: (now) =>
      Effect.sync(() => {
        const held = unpublished().flatMap((e) =>
          e.availableAt !== undefined && e.availableAt.getTime() > now.getTime() ? [e.availableAt.getTime()] : []
        )
        return held.length === 0 ? Option.none() : Option.some(new Date(Math.min(...held)))
      }),
    backlog: (now) =>
      Effect.sync(() => {
        const waiting = due(now)
        return { pending: waiting.length, oldestDueAt: waiting[0] === undefined ? null : new Date(dueOf(waiting[0])) }
      })
  })
})
