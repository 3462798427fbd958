import { eventually } from "../../../test/support/client.ts"
import { withSql } from "../../../test/support/e2eTools.ts"
import { sharedBackends } from "../backends.ts"
import { setTimeout as sleep } from "node:timers/promises"
import { runScenario, type Size } from "../harness.ts"

const sizes = {
  full: { kills: 5, jobsPerSecond: 20, uptimeMs: 6_000, settleTimeoutMs: 120_000 },
  short: { kills: 2, jobsPerSecond: 4, uptimeMs: 1_000, settleTimeoutMs: 45_000 }
}

/**
 * SIGKILL the service 5 times (twice in the short version) while jobs are posted, starting it again at once each time. Each kill waits until the
 * process running then has recorded a lead, so it lands with deliveries under way (the leads take 100 ms at the mock,
 * half before and half after it records them). Posts meanwhile are refused or cut off: only the 201s count.
 */
export const killService = (size: Size) => {
  const { kills, uptimeMs, ...rest } = sizes[size]
  return runScenario({
    name: `service SIGKILL ×${kills}`,
    backends: sharedBackends,
    receivers: 3,
    mock: { latency_ms: 100 },
    ...rest,
    chaos: async ({ service, backends, leads, note }) => {
      const syncingAtKill: Array<number> = []
      for (let kill = 0; kill < kills; kill++) {
        const before = await leads()
        await sleep(uptimeMs)
        await eventually(async () => (await leads()) > before, 30_000, async () => "no lead recorded since the start")
        await service.kill()
        syncingAtKill.push(await withSql(backends.databaseUrl, async (sql) =>
          (await sql`select count(*)::int as n from job_routings where sync_status = 'syncing'`)[0]!["n"]))
        await service.start()
      }
      await sleep(uptimeMs)
      note(`${kills} kills; routings left syncing by each: ${syncingAtKill.join(", ")}`)
    }
  })
}
