import { privateNatsBackends } from "../backends.ts"
import { outages, runScenario, type Size } from "../harness.ts"

const sizes = {
  full: { jobsPerSecond: 20, upMs: 8_000, downMs: 5_000, settleTimeoutMs: 120_000 },
  short: { jobsPerSecond: 4, upMs: 2_000, downMs: 2_000, settleTimeoutMs: 45_000 }
}

const RESTARTS = 3

/**
 * Stop the run's own nats-server while jobs are posted, keep it down a while (jobs are still accepted, into the
 * outbox), start it again; three times. The service rides it out without a restart.
 */
export const restartNats = (size: Size) => {
  const { upMs, downMs, ...rest } = sizes[size]
  return runScenario({
    name: "nats-server restart ×3",
    backends: privateNatsBackends,
    receivers: 3,
    mock: { latency_ms: 50 },
    ...rest,
    chaos: async ({ backends, load, note }) => {
      const acceptedWhileDown = await outages({
        times: RESTARTS,
        upMs,
        downMs,
        load,
        stop: backends.nats.stop,
        start: backends.nats.start
      })
      note(`${RESTARTS} restarts, ${downMs / 1000} s down each; jobs accepted while down: ${acceptedWhileDown.join(", ")}`)
    }
  })
}
