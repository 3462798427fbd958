import { Duration, Effect } from "effect"
import { RESOLVED_ALERTS_KEPT } from "../src/domain/alerts.ts"
import { now } from "../src/domain/time.ts"
import { alertWatch } from "../src/Schedules.ts"
import { AlertRepo } from "../src/services/Alerts.ts"
import { announceLateCircuits } from "./circuitAlerts.ts"

/**
 * One round of the alerts watcher: resolves the routings' alerts whose cause has passed (delivered, canceled, retried,
 * archived), announces the circuit changes held back, and deletes the alerts resolved longer ago than
 * `RESOLVED_ALERTS_KEPT`. Answers what it did.
 */
export const settleAlerts = Effect.fn("Alerts.settle")(function*() {
  const alerts = yield* AlertRepo
  const at = yield* now
  const resolved = yield* alerts.resolveSettled(at)
  const announced = yield* announceLateCircuits()
  const forgotten = yield* alerts.forgetResolved(new Date(at.getTime() - Duration.toMillis(RESOLVED_ALERTS_KEPT)))
  return { resolved, announced, forgotten }
})

/** The alerts watcher: `settleAlerts` on `alertWatch` for as long as it runs, riding out storage faults. */
export const watchAlerts = Effect.repeat(
  settleAlerts().pipe(
    Effect.catchAll((error) => Effect.logWarning("alerts watch failed; trying again").pipe(Effect.annotateLogs("error", error.message)))
  ),
  alertWatch
)
