import type { Context, MiddlewareHandler } from "hono"
import { HttpAnswers, respond } from "./answers.ts"

/** Health probes and metrics are answered whatever the load: an orchestrator must see an overloaded service as alive. */
const exempt = (path: string) => path === "/metrics" || path === "/health" || path.startsWith("/health/")

/**
 * Load shedding: while `maxInFlight` requests' worth of work is being done, another request is answered at once with
 * 503 `unavailable` and `Retry-After`, instead of joining a queue whose wait grows without bound (until clients see
 * connection timeouts and resets). `onShed` hears of each refusal, with the work in flight. `admit` counts each request
 * it lets in as one; `weigh` (later in the chain) counts a request as the number of requests' worth of work its
 * `weight` says, while it runs. A heavy request is let in whenever a light one would be, and then holds the others off
 * for longer.
 */
export const makeLoadShedder = (options: {
  readonly maxInFlight: number
  readonly onShed: (inFlight: number) => void
}) => {
  let inFlight = 0
  const admit: MiddlewareHandler = async (c, next) => {
    if (exempt(c.req.path)) return next()
    if (inFlight >= options.maxInFlight) {
      options.onShed(inFlight)
      // Answered here, not thrown: the error handler logs each 5xx, and `onShed` already logs refusals sparingly.
      return respond(c, HttpAnswers.atCapacity())
    }
    inFlight += 1
    try {
      await next()
    } finally {
      inFlight -= 1
    }
  }
  const weigh = (weight: (c: Context) => Promise<number>): MiddlewareHandler => async (c, next) => {
    const extra = Math.max(0, (await weight(c)) - 1)
    inFlight += extra
    try {
      await next()
    } finally {
      inFlight -= extra
    }
  }
  return { admit, weigh }
}
