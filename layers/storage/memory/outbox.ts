import { Effect, Layer } from "effect"
import { OutboxRepo } from "../../../src/services/Outbox.ts"
import { MemoryStore } from "./store.ts"

export const layerOutbox = Layer.effect(
  OutboxRepo,
  Effect.map(MemoryStore, (store) =>
    OutboxRepo.of({
      append: (events) =>
        Effect.sync(() => {
          for (const e of events) store.state.outbox.set(e.id, { ...e, publishedAt: null })
        }),
      pending: (limit) =>
        Effect.sync(() =>
          Array.from(store.state.outbox.values())
            .filter((e) => e.publishedAt === null)
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
            .slice(0, limit)
            .map(({ publishedAt: _, ...event }) => event)
        )
    }))
)
