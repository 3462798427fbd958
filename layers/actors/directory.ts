import { Effect, Layer } from "effect"
import type { CompanyId } from "../../src/domain/ids.ts"
import type { DeliveryTarget } from "../../src/services/Companies.ts"
import { DeliveryDirectory } from "../../src/services/Actors.ts"

/** The delivery directory in memory: a map read on every delivery, replaced whole when storage says the fleet changed. */
export const layer = Layer.sync(DeliveryDirectory, () => {
  let targets = new Map<CompanyId, DeliveryTarget>()
  let generation = 0
  let revision = 0
  const pauses = new Map<CompanyId, { readonly paused: boolean; readonly generation: number }>()
  return DeliveryDirectory.of({
    get: (companyId) => targets.get(companyId),
    all: Effect.sync(() => Array.from(targets.values())),
    generation: Effect.sync(() => generation),
    revision: () => revision,
    replace: (next, readAt) =>
      Effect.sync(() => {
        revision++
        targets = new Map(next.map((t) => [t.companyId, t]))
        for (const [companyId, pause] of pauses) {
          const target = targets.get(companyId)
          if (pause.generation <= readAt) pauses.delete(companyId)
          else if (target !== undefined) targets.set(companyId, { ...target, paused: pause.paused })
        }
      }),
    setPaused: (companyId, paused) =>
      Effect.sync(() => {
        revision++
        pauses.set(companyId, { paused, generation: ++generation })
        const target = targets.get(companyId)
        if (target !== undefined) targets.set(companyId, { ...target, paused })
      })
  })
})
