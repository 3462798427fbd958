import { Duration, Effect, Layer } from "effect"
import { CallWindow } from "../../src/domain/callWindow.ts"
import type { CompanyId } from "../../src/domain/ids.ts"
import { CompanyRateLimiter } from "../../src/services/CompanyRateLimiter.ts"

/** The companies' rate limits in this process's memory: a `CallWindow` each, read against `Clock`. */
export const layerMemory = Layer.sync(CompanyRateLimiter, () => {
  const windows = new Map<CompanyId, CallWindow>()
  const windowOf = (companyId: CompanyId) => {
    let window = windows.get(companyId)
    if (window === undefined) windows.set(companyId, window = new CallWindow())
    return window
  }
  return CompanyRateLimiter.of({
    take: (companyId, limit) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          const turn = windowOf(companyId).take(clock.unsafeCurrentTimeMillis(), limit)
          return { delay: Duration.millis(turn.delayMs), remaining: turn.left }
        })
      ),
    seed: (companyId, calls) => Effect.sync(() => windowOf(companyId).seed(calls)),
    sweep: Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.unsafeCurrentTimeMillis()
        for (const [companyId, window] of windows) if (window.empty(now)) windows.delete(companyId)
      })
    )
  })
})
