import { Effect, Option } from "effect"
import { Conflict, NotFound } from "../src/domain/errors.ts"
import type { CompanyId } from "../src/domain/ids.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { StatusPolls } from "../src/services/StatusPolls.ts"
import { requireAdmin } from "./access.ts"

/**
 * Polls every open lead of a company (delivered, not completed or canceled) now, through its actor, and answers how
 * many were asked about and how many changed ("sync now"). `NotFound` for an unknown company; `Conflict`
 * when it has no active provider or its delivery is paused; `Unavailable` (logged) when its polls are held back now: a
 * 429 pause or open circuit, its partition held by another replica, or delivery not running here.
 */
export const pollNow = Effect.fn("Polling.now")(function*(companyId: CompanyId) {
  yield* requireAdmin
  const found = yield* (yield* CompanyRepo).get(companyId)
  if (Option.isNone(found)) return yield* new NotFound({ resource: "company", id: companyId })
  const company = found.value
  if (company.provider === null || !company.provider.active) {
    return yield* new Conflict({ message: `company ${companyId} has no active provider: it has no leads to poll` })
  }
  if (company.deliveryPaused) {
    return yield* new Conflict({ message: `delivery to company ${companyId} is paused; resume it before polling` })
  }
  const result = yield* (yield* StatusPolls).pollNow(companyId).pipe(
    Effect.tapError((error) =>
      error._tag === "Unavailable"
        ? Effect.logWarning("status poll asked for now cannot run now").pipe(
          Effect.annotateLogs({ company_id: companyId, reason: error.message })
        )
        : Effect.void
    )
  )
  yield* Effect.logInfo("status poll asked for now done").pipe(
    Effect.annotateLogs({ company_id: companyId, polled: result.polled, changed: result.changed })
  )
  return result
})
