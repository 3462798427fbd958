import { privatePostgresBackends } from "../backends.ts"
import { outages, runScenario, type Size } from "../harness.ts"

const sizes = {
  full: { jobsPerSecond: 20, upMs: 8_000, downMs: 10_000, settleTimeoutMs: 120_000 },
  short: { jobsPerSecond: 4, upMs: 2_000, downMs: 3_000, settleTimeoutMs: 45_000 }
}

const CRASHES = 2

/**
 * Crash the run's own PostgreSQL (`pg_ctl stop -m immediate`: no checkpoint, recovery at the next start) while jobs are
 * posted, keep it down a while, start it again; twice. Meanwhile `POST /jobs` must answer, 503 with `Retry-After`, never
 * another 5xx (the harness fails any), and the service must stay up (no restart) and deliver everything once after.
 */
export const restartPostgres = (size: Size) => {
  const { upMs, downMs, ...rest } = sizes[size]
  return runScenario({
    name: "PostgreSQL crash ×2",
    backends: privatePostgresBackends,
    receivers: 3,
    mock: { latency_ms: 50 },
    ...rest,
    chaos: async ({ backends, load, note }) => {
      await outages({
        times: CRASHES,
        upMs,
        downMs,
        load,
        stop: () => backends.postgres.stop("immediate"),
        start: backends.postgres.start
      })
      note(`${CRASHES} crashes, ${downMs / 1000} s down each`)
    },
    verify: async ({ fail }, { load }) => {
      if (load.unavailable === 0) fail("no 503 was answered while PostgreSQL was down: the outage went unseen")
      if (load.noAnswer > 0) fail(`${load.noAnswer} requests got no answer: the API must answer 503 while PostgreSQL is down`)
    }
  })
}
