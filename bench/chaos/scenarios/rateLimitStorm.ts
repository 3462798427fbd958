import { withSql } from "../../../test/support/e2eTools.ts"
import { sharedBackends } from "../backends.ts"
import { setTimeout as sleep } from "node:timers/promises"
import { runScenario, type Size } from "../harness.ts"

const sizes = {
  full: { jobsPerSecond: 10, warmupMs: 5_000, stormMs: 30_000, settleTimeoutMs: 120_000 },
  short: { jobsPerSecond: 4, warmupMs: 1_500, stormMs: 8_000, settleTimeoutMs: 45_000 }
}

const DELIVERY_ATTEMPTS = 2

/**
 * The receivers' provider answers every call with 429 (mock `rate_limited_rate: 1`, `Retry-After: 1`) for a while, then
 * none. A 429 pauses the company and does not use up an attempt: with DELIVERY_ATTEMPTS 2, routings that meet more
 * 429s than that must still be delivered, once, and none may fail.
 */
export const rateLimitStorm = (size: Size) => {
  const { warmupMs, stormMs, ...rest } = sizes[size]
  return runScenario({
    name: `429 storm ${stormMs / 1000} s`,
    backends: sharedBackends,
    env: { DELIVERY_ATTEMPTS: String(DELIVERY_ATTEMPTS) },
    receivers: 3,
    ...rest,
    chaos: async ({ configureMock }) => {
      await sleep(warmupMs)
      await configureMock({ rate_limited_rate: 1 })
      await sleep(stormMs)
      await configureMock({ rate_limited_rate: 0 })
    },
    verify: async ({ backends, note, fail }) => {
      const [storm] = await withSql(backends.databaseUrl, (sql) =>
        sql<Array<{ answers: number; routings: number; most: number }>>`
          select coalesce(sum(n), 0)::int as answers, count(*)::int as routings, coalesce(max(n), 0)::int as most
          from (select routing_id, count(*) as n from routing_attempts where outcome = 'rate_limited' group by routing_id) r`)
      note(`429 answers: ${storm!.answers}, to ${storm!.routings} routings; most met by one routing: ${storm!.most}`)
      if (storm!.most <= DELIVERY_ATTEMPTS) fail(`no routing met more than ${DELIVERY_ATTEMPTS} 429s: the storm proves nothing`)
    }
  })
}
