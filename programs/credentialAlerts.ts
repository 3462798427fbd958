import { Effect } from "effect"
import { credentialsInvalidMessage } from "../src/domain/alerts.ts"
import { CredentialsInvalid } from "../src/domain/events.ts"
import type { JobId, RoutingId } from "../src/domain/ids.ts"
import type { ProviderError } from "../src/services/Providers.ts"
import { alertSubject, raiseAlert, resolveAlert } from "./alerts.ts"
import type { ActorState } from "./actorState.ts"

/** The provider statuses that say the company's credentials (or their rights) were refused. */
const REFUSED = new Set([401, 403])

/**
 * Alert writes never fail a delivery or a poll: a fault is logged, and the actor forgets what it noted (`before`), so
 * that the next call's outcome tries again.
 */
const logged = <A, E extends { readonly message: string }, R>(what: string, actor: ActorState, before: ActorState["credentials"]) =>
(effect: Effect.Effect<A, E, R>) =>
  Effect.catchAll(effect, (error) =>
    Effect.logWarning(`credentials alert not ${what}`).pipe(
      Effect.annotateLogs({ company_id: actor.companyId, error: error.message }),
      Effect.zipRight(Effect.sync(() => void (actor.credentials = before)))
    ))

/**
 * A provider call for the company failed: a 401 or 403 opens its `provider.credentials_invalid` alert and announces it
 * once, until the credentials work again or its provider settings change (the actor raises it again only then).
 */
export const credentialsFailed = (
  actor: ActorState,
  error: ProviderError,
  routing: { readonly id: RoutingId; readonly jobId: JobId } | null
) =>
  Effect.suspend(() => {
    const revision = actor.directoryRevision()
    if (error.status === undefined || !REFUSED.has(error.status)) return Effect.void
    const before = actor.credentials
    if (typeof before === "object" && before.refusedAtRevision === revision) return Effect.void
    actor.credentials = { refusedAtRevision: revision }
    const status = error.status
    return Effect.gen(function*() {
      const message = credentialsInvalidMessage(yield* alertSubject(actor.companyId), status)
      yield* raiseAlert({
        kind: "provider.credentials_invalid",
        companyId: actor.companyId,
        routingId: null,
        jobId: null,
        message,
        payload: CredentialsInvalid.make({
          company_id: actor.companyId,
          message,
          status,
          routing_id: routing?.id ?? null,
          job_id: routing?.jobId ?? null
        })
      })
    }).pipe(logged("raised", actor, before))
  })

/**
 * A provider call for the company succeeded: its credentials work, so its `provider.credentials_invalid` alert, if
 * open, is resolved; once per actor unless they were refused since (a success costs nothing after that).
 */
export const credentialsWorked = (actor: ActorState) =>
  Effect.suspend(() => {
    const before = actor.credentials
    if (before === "accepted") return Effect.void
    actor.credentials = "accepted"
    return resolveAlert({ kind: "provider.credentials_invalid", companyId: actor.companyId, routingId: null }).pipe(
      Effect.asVoid,
      logged("resolved", actor, before)
    )
  })
