import { Effect, Option } from "effect"
import { type AlertKey, type AlertKind, type AlertSubject, AlertId } from "../src/domain/alerts.ts"
import { type CompanyId, type JobId, newId, type RoutingId } from "../src/domain/ids.ts"
import { now } from "../src/domain/time.ts"
import { AlertRepo } from "../src/services/Alerts.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { Transactions } from "../src/services/Transactions.ts"
import { requireSeesAll } from "./access.ts"
import { outboxEvent } from "./outboxEvent.ts"

/** The most open alerts `GET /alerts` answers at once. */
export const ALERTS_PAGE_MAX = 100

/** The company as alerts name it; its id when it is not found (deleted meanwhile). */
export const alertSubject = Effect.fn("Alerts.subject")(function*(companyId: CompanyId) {
  const company = yield* (yield* CompanyRepo).get(companyId)
  return Option.match(company, {
    onNone: (): AlertSubject => ({ name: `company ${companyId}`, provider: null }),
    onSome: (c): AlertSubject => ({ name: c.name, provider: c.provider?.type ?? null })
  })
})

/** An alert to open, with the event that announces it when it opens. */
export interface AlertRaised {
  readonly kind: AlertKind
  readonly companyId: CompanyId
  readonly routingId: RoutingId | null
  readonly jobId: JobId | null
  readonly message: string
  /** The event's payload (`company_id` and `message` among it). */
  readonly payload: unknown
}

/**
 * Opens the alert and, when it was not open already, appends its event (of the alert's kind) to the outbox, in one
 * transaction (the enclosing one, when called inside one): the alert's key makes a second raise, from a retry, another
 * replica or a redelivered message, announce nothing. Answers whether it opened.
 */
export const raiseAlert = Effect.fn("Alerts.raise")(function*(alert: AlertRaised) {
  const repo = yield* AlertRepo
  const outbox = yield* OutboxRepo
  const at = yield* now
  const id = yield* newId(AlertId)
  return yield* (yield* Transactions).run(Effect.gen(function*() {
    const opened = yield* repo.raise({ ...alert, id, openedAt: at, resolvedAt: null })
    if (opened) yield* outbox.append([yield* outboxEvent(alert.kind, alert.companyId, alert.payload, at)])
    return opened
  }))
})

/** Resolves the open alert with this key, if any (in the enclosing transaction, when there is one). */
export const resolveAlert = Effect.fn("Alerts.resolve")(function*(key: AlertKey) {
  return yield* (yield* AlertRepo).resolve(key, yield* now)
})

/** Open alerts, newest first, at most `limit`, with the count of all open ones: for the admin and viewers. */
export const listOpenAlerts = Effect.fn("Alerts.list")(function*(limit: number) {
  yield* requireSeesAll
  return yield* (yield* AlertRepo).open(Math.min(Math.max(1, limit), ALERTS_PAGE_MAX))
})
