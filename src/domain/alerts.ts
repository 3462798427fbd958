import { Duration, Schema } from "effect"
import type { ProviderType } from "./company.ts"
import { CompanyId, JobId, RoutingId } from "./ids.ts"

export const AlertId = Schema.UUID.pipe(Schema.brand("AlertId"))
export type AlertId = typeof AlertId.Type

/** The kinds of alert that stay open until resolved; each is also the webhook event that announces its opening. */
export const AlertKind = Schema.Literal("circuit.opened", "provider.credentials_invalid", "dead_letter.added", "sla.breached")
export type AlertKind = typeof AlertKind.Type

/** An alert, open while `resolvedAt` is null. At most one is open per (kind, company, routing). */
export const Alert = Schema.Struct({
  id: AlertId,
  kind: AlertKind,
  companyId: CompanyId,
  routingId: Schema.NullOr(RoutingId),
  jobId: Schema.NullOr(JobId),
  /** Human text naming the company; never a secret. */
  message: Schema.String,
  openedAt: Schema.DateFromSelf,
  resolvedAt: Schema.NullOr(Schema.DateFromSelf)
})
export type Alert = typeof Alert.Type

/** What identifies an open alert: its kind, its company and, for a routing's alert, the routing. */
export interface AlertKey {
  readonly kind: AlertKind
  readonly companyId: CompanyId
  readonly routingId: RoutingId | null
}

/** A circuit state announced to subscribers (`circuit.opened`, `circuit.closed`). */
export type CircuitAnnounced = "open" | "closed"

/** At most one `circuit.*` event per company in this long. */
export const CIRCUIT_ANNOUNCE_GAP = Duration.minutes(1)

/** Resolved alerts are kept this long, then deleted by the alerts watcher. */
export const RESOLVED_ALERTS_KEPT = Duration.days(30)

/** The most characters of a provider's error an alert's message quotes. */
const REASON_MAX = 300

const PROVIDER_NAMES: Record<ProviderType, string> = {
  servicetitan: "ServiceTitan",
  housecallpro: "Housecall Pro",
  jobber: "Jobber",
  mock: "mock provider"
}

/** The company as an alert names it: its name and, when known, its provider ("Acme Plumbing's ServiceTitan"). */
export interface AlertSubject {
  readonly name: string
  readonly provider: ProviderType | null
}

const possessive = (subject: AlertSubject) =>
  `${subject.name}'s ${subject.provider === null ? "provider" : PROVIDER_NAMES[subject.provider]}`

const clockTime = (at: Date) => `${at.toISOString().slice(11, 16)} UTC`

/** "Acme Plumbing's ServiceTitan circuit opened after 5 failures; calls resume at 14:05 UTC". */
export const circuitOpenedMessage = (subject: AlertSubject, opening: number, threshold: number, until: Date) =>
  opening <= 1
    ? `${possessive(subject)} circuit opened after ${threshold} failures in a row; calls resume at ${clockTime(until)}`
    : `${possessive(subject)} circuit opened again after a failed probe; calls resume at ${clockTime(until)}`

/** The circuit is open, announced after the one-a-minute pause held its announcement back. */
export const circuitStillOpenMessage = (subject: AlertSubject) =>
  `${possessive(subject)} circuit is open; calls resume once a probe succeeds`

/** The circuit closed: a probe succeeded. */
export const circuitClosedMessage = (subject: AlertSubject) => `${possessive(subject)} circuit closed; calls flow again`

/** The provider refused the company's credentials. */
export const credentialsInvalidMessage = (subject: AlertSubject, status: number) =>
  `${possessive(subject)} credentials were refused (HTTP ${status}); its deliveries fail until the provider settings are fixed`

/** A routing went to the dead letters. */
export const deadLetterMessage = (subject: AlertSubject, jobId: JobId, attempts: number, reason: string) =>
  `Job ${jobId} could not be delivered to ${subject.name} after ${attempts} attempt${attempts === 1 ? "" : "s"} and was dead-lettered: ${
    reason.length > REASON_MAX ? `${reason.slice(0, REASON_MAX)}…` : reason
  }`

/** A routing is not delivered 5 minutes after it was due. */
export const slaBreachedMessage = (subject: AlertSubject, jobId: JobId, dueAt: Date) =>
  `Job ${jobId} is not delivered to ${subject.name} 5 minutes after it was due (${clockTime(dueAt)})`
