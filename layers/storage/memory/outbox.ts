import { Effect, Layer } from "effect"
import { OutboxRepo } from "../../../src/services/Outbox.ts"
import { MemoryStore } from "./store.ts"

export const layerOutbox = Layer.effect(
  OutboxRepo,
  Effect.map(MemoryStore, (store) => {
    /** One process holds the memory store, so claiming needs no lock. */
    const unpublished = (limit: number) =>
      Array.from(store.state.outbox.values())
        .filter((e) => e.publishedAt === null)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map(({ publishedAt: _, ...event }) => event)
    return OutboxRepo.of({
      append: (events) =>
        Effect.sync(() => {
          for (const e of events) store.state.outbox.set(e.id, { ...e, publishedAt: null })
        }),
      pending: (limit) => Effect.sync(() => unpublished(limit)),
      claimUnpublished: (limit) => Effect.sync(() => unpublished(limit)),
      markPublished: (ids, at) =>
        Effect.sync(() => {
          for (const id of ids) {
            const event = store.state.outbox.get(id)
            if (event !== undefined) store.state.outbox.set(id, { ...event, publishedAt: at })
          }
        }),
      backlog: Effect.sync(() => {
        const waiting = unpublished(Number.MAX_SAFE_INTEGER)
        return { pending: waiting.length, oldestCreatedAt: waiting[0]?.createdAt ?? null }
      })
    })
  })
)
