import { withSql, workers } from "../../../test/support/e2eTools.ts"
import { sharedBackends } from "../backends.ts"
import { setTimeout as sleep } from "node:timers/promises"
import { runScenario, type Size } from "../harness.ts"

const sizes = {
  full: { jobsPerSecond: 10, warmupMs: 5_000, outageMs: 60_000, cooldownSeconds: 30, settleTimeoutMs: 180_000 },
  short: { jobsPerSecond: 4, warmupMs: 1_500, outageMs: 10_000, cooldownSeconds: 5, settleTimeoutMs: 45_000 }
}

/** Provider calls a company may make while its provider is down: the circuit must stop them. */
const MAX_CALLS_IN_OUTAGE = 10

/**
 * The receivers' provider fails every call (mock `failure_rate: 1`) for a while, jobs still coming in. Each company's
 * circuit must open (CIRCUIT_FAILURE_THRESHOLD 5, seen on `/admin/workers`; after a cooldown a tripped circuit shows
 * as half open, which counts too) and hold its calls to at most 10 over the outage (counted from `routing_attempts`,
 * from the company's first failed call);
 * once the config is back to `{}`, a half-open probe closes the circuit and everything is delivered, nothing
 * dead-lettered (DELIVERY_ATTEMPTS 50).
 */
export const providerDown = (size: Size) => {
  const { warmupMs, outageMs, cooldownSeconds, ...rest } = sizes[size]
  let outage = { from: new Date(), to: new Date() }
  const seenOpen = new Set<string>()
  return runScenario({
    name: `provider down ${outageMs / 1000} s`,
    backends: sharedBackends,
    env: { DELIVERY_ATTEMPTS: "50", CIRCUIT_FAILURE_THRESHOLD: "5", CIRCUIT_COOLDOWN_SECONDS: String(cooldownSeconds) },
    receivers: 3,
    ...rest,
    chaos: async ({ configureMock, service }) => {
      await sleep(warmupMs)
      // The window is the time the provider is down for sure: from the failing config's write to the healthy one's.
      await configureMock({ failure_rate: 1 })
      const from = new Date()
      const end = Date.now() + outageMs
      while (Date.now() < end) {
        for (const [id, worker] of await workers(service.api)) if (worker["circuit"] !== "closed") seenOpen.add(id)
        await sleep(250)
      }
      outage = { from, to: new Date() }
      await configureMock({})
    },
    verify: async ({ backends, service, receivers, note, fail }) => {
      // Counted from each company's first failed call: the failing config reaches the delivery directory within its
      // refresh (about a second), and calls made before that went to a provider that was still up.
      const calls = await withSql(backends.databaseUrl, (sql) =>
        sql<Array<{ company_id: string; n: number }>>`
          with outage as (
            select r.company_id_received as company_id, a.at, a.outcome
            from routing_attempts a join job_routings r on r.id = a.routing_id
            where a.at between ${outage.from} and ${outage.to})
          select o.company_id, count(*)::int as n
          from outage o
          where o.at >= (select min(f.at) from outage f where f.company_id = o.company_id and f.outcome <> 'created')
          group by o.company_id`)
      const callsOf = (id: string) => calls.find((c) => c.company_id === id)?.n ?? 0
      note(`provider calls per company during the outage: ${receivers.map(callsOf).join(", ")} (at most ${MAX_CALLS_IN_OUTAGE})`)
      note(`circuits seen open (or half open): ${seenOpen.size} of ${receivers.length}`)
      for (const id of receivers) {
        if (callsOf(id) > MAX_CALLS_IN_OUTAGE) fail(`company ${id} got ${callsOf(id)} provider calls during the outage`)
        if (!seenOpen.has(id)) fail(`company ${id}'s circuit was never seen open`)
      }
      const circuits = [...(await workers(service.api))].filter(([id]) => receivers.includes(id)).map(([, w]) => w["circuit"])
      if (circuits.some((c) => c !== "closed")) fail(`circuits after recovery: ${circuits.join(", ")}`)
    }
  })
}
