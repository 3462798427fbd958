import { Schedule } from "effect"

/**
 * While the database is not reachable at start-up (e.g. a container still starting): retry with backoff from 0.2 s,
 * capped at 5 s per wait, for about a minute in all.
 */
export const startupConnectRetry = Schedule.exponential("200 millis").pipe(
  Schedule.union(Schedule.spaced("5 seconds")),
  Schedule.intersect(Schedule.recurs(15))
)
