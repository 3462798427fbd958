import { describe, expect, it } from "@effect/vitest"
import { scenarios } from "../../bench/chaos/scenarios.ts"
import { summaryTable } from "../../bench/chaos/summary.ts"

/**
 * The chaos scenarios of bench/chaos at their short size (same chaos, tens of jobs): each ends with the exact ledger,
 * every accepted routing delivered once. They run concurrently, five at a time (vitest's `maxConcurrency`): most of
 * their time is spent waiting (restarts, outages, cooldowns, lease hand-overs), and each has its own database, stream
 * prefix and, where it needs them, servers.
 */
describe.concurrent("chaos (short): nothing lost, nothing duplicated", () => {
  for (const [name, run] of Object.entries(scenarios)) {
    it(name, async () => {
      const result = await run("short")
      expect(result.failures, summaryTable([result])).toEqual([])
    }, 150_000)
  }
})
