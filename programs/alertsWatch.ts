import { Effect } from "effect"
import { now } from "../src/domain/time.ts"
import { alertWatch } from "../src/Schedules.ts"
import { AlertRepo } from "../src/services/Alerts.ts"
import { announceLateCircuits } from "./circuitAlerts.ts"

/**
 * One round of the alerts watcher: resolves the routings' alerts whose cause has passed (delivered, canceled, retried,
 * archived) and announces the circuit changes held back. Answers what it did.
 */
export const settleAlerts = Effect.fn("Alerts.settle")(function*() {
  const resolved = yield* (yield* AlertRepo).resolveSettled(yield* now)
  const announced = yield* announceLateCircuits()
  return { resolved, announced }
})

/** The alerts watcher: `settleAlerts` on `alertWatch` for as long as it runs, riding out storage faults. */
export const watchAlerts = Effect.repeat(
  settleAlerts().pipe(
    Effect.catchAll((error) => Effect.logWarning("alerts watch failed; trying again").pipe(Effect.annotateLogs("error", error.message)))
  ),
  alertWatch
)
