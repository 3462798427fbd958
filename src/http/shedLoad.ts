import type { MiddlewareHandler } from "hono"
import { errorBody } from "./errors.ts"

/** Seconds an overloaded service asks a client to wait: the queue it refused to grow drains within about that. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 1

/** Health probes and metrics are answered whatever the load: an orchestrator must see an overloaded service as alive. */
const exempt = (path: string) => path === "/metrics" || path === "/health" || path.startsWith("/health/")

/**
 * Load shedding: while `maxInFlight` requests are being worked on, another is answered at once with 503
 * `unavailable` and `Retry-After`, instead of joining a queue whose wait grows without bound (at twice its capacity the
 * service answered after 30 s, and clients saw connection timeouts and resets: `npm run bench`). `onShed` hears of
 * each refusal, with the number in flight.
 */
export const shedLoad = (options: {
  readonly maxInFlight: number
  readonly onShed: (inFlight: number) => void
}): MiddlewareHandler => {
  let inFlight = 0
  return async (c, next) => {
    if (exempt(c.req.path)) return next()
    if (inFlight >= options.maxInFlight) {
      options.onShed(inFlight)
      c.header("Retry-After", String(OVERLOAD_RETRY_AFTER_SECONDS))
      return c.json(errorBody("unavailable", "the service is at capacity; retry after Retry-After seconds"), 503)
    }
    inFlight += 1
    try {
      await next()
    } finally {
      inFlight -= 1
    }
  }
}
