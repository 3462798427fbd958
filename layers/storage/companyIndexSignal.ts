import { Effect, Layer } from "effect"
import { CompanyIndexSignal } from "../../src/services/CompanyIndexSignal.ts"
import { notifications } from "./notifications.ts"

/** The channel the company and technician triggers notify (migrations/0008). */
const CHANNEL = "company_index"

/**
 * Signals on PostgreSQL's NOTIFY. Notifications sent while the listening connection is down are lost, which is why the
 * index also checks the version before each use.
 */
export const layerListen = Layer.scoped(
  CompanyIndexSignal,
  Effect.map(notifications(CHANNEL, "cannot LISTEN for company changes; the version check alone keeps the index current"), (next) => CompanyIndexSignal.of({ next }))
)

/** No notifications (PGlite, where LISTEN does not work through the socket; memory storage): the version check alone. */
export const layerNone = Layer.succeed(CompanyIndexSignal, CompanyIndexSignal.of({ next: Effect.never }))
