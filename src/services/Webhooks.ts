import { Context, Data, type Duration, type Effect, type Option } from "effect"
import type { SealedSecret } from "../domain/company.ts"
import type { EventId } from "../domain/ids.ts"
import type { PageCursor } from "../domain/page.ts"
import type { Webhook, WebhookAttempt, WebhookEvent, WebhookId } from "../domain/webhook.ts"
import type { StorageError } from "./StorageError.ts"

/** A pending delivery claimed for sending, with what sending it needs. */
export interface DueDelivery {
  readonly id: number
  readonly webhookId: WebhookId
  readonly url: string
  readonly secret: SealedSecret
  readonly eventId: EventId
  readonly type: string
  readonly body: string
  /** Attempts made before this one. */
  readonly attempts: number
}

/** What became of an attempt's delivery: delivered, tried again at `nextAttemptAt`, or given up. */
export type DeliveryOutcome =
  | { readonly _tag: "Delivered" }
  | { readonly _tag: "Retry"; readonly nextAttemptAt: Date }
  | { readonly _tag: "Failed" }

/** Webhook subscriptions, their deliveries (one per hook and event) and every attempt. */
export class WebhookRepo extends Context.Tag("WebhookRepo")<WebhookRepo, {
  readonly insert: (hook: Webhook) => Effect.Effect<void, StorageError>
  readonly get: (id: WebhookId) => Effect.Effect<Option.Option<Webhook>, StorageError>
  /** Hooks newest first, `limit` of them after the cursor. */
  readonly list: (query: { readonly limit: number; readonly after: PageCursor | null }) => Effect.Effect<ReadonlyArray<Webhook>, StorageError>
  /** Deletes the hook with its deliveries and attempts; false when there was none. */
  readonly delete: (id: WebhookId) => Effect.Effect<boolean, StorageError>
  /**
   * For each event, a pending delivery, due at `at`, for each hook subscribed to the event's type (scoped hooks only for
   * events about their company) created no later than the event, active or not (a disabled hook's wait until it is
   * enabled); a (hook, event) pair already there is left alone, so a redelivered event adds nothing. All of them are
   * written, or none. Answers how many deliveries it added.
   */
  readonly enqueue: (events: ReadonlyArray<WebhookEvent>, at: Date) => Effect.Effect<number, StorageError>
  /**
   * Up to `limit` pending deliveries of active hooks due at `now`, oldest due first, each leased until `leaseUntil`
   * (its next attempt moved there) in the same statement, so no other process takes it meanwhile
   * (`FOR UPDATE SKIP LOCKED`); answered in the order they were enqueued.
   */
  readonly claimDue: (now: Date, leaseUntil: Date, limit: number) => Effect.Effect<ReadonlyArray<DueDelivery>, StorageError>
  /** Records an attempt of a delivery and its outcome; the delivery's attempts count goes up by one. */
  readonly recordAttempt: (
    delivery: DueDelivery,
    attempt: WebhookAttempt,
    outcome: DeliveryOutcome
  ) => Effect.Effect<void, StorageError>
  /**
   * Counts an event given up (every attempt failed) against the hook; at `maxFailures` consecutive ones the hook is
   * disabled (inactive, stamped `at`). Answers true when this call disabled it.
   */
  readonly failed: (id: WebhookId, at: Date, maxFailures: number) => Effect.Effect<boolean, StorageError>
  /**
   * Enables a disabled hook (consecutive failures back to 0) and makes the events it missed due at `at`, each with its
   * attempts anew: those that came while it was disabled or were still being retried, and those given up since its
   * last delivered attempt. An active hook is left as it is. None when there is no such hook; else how many are due.
   */
  readonly enable: (id: WebhookId, at: Date) => Effect.Effect<Option.Option<number>, StorageError>
  /** A delivered attempt: the hook's consecutive failures go back to 0. */
  readonly succeeded: (id: WebhookId) => Effect.Effect<void, StorageError>
  /** The hook's attempts, newest first, at most `limit`. */
  readonly attempts: (id: WebhookId, limit: number) => Effect.Effect<ReadonlyArray<WebhookAttempt>, StorageError>
  /**
   * Deletes up to `limit` finished (delivered or failed) deliveries created before `before`, oldest first, with their
   * attempts; pending ones stay (a disabled hook's wait for it to be enabled). Answers how many deliveries.
   */
  readonly deleteFinishedBefore: (before: Date, limit: number) => Effect.Effect<number, StorageError>
}>() {}

/** The receiver could not be reached or did not answer in time. */
export class WebhookTransportError extends Data.TaggedError("WebhookTransportError")<{ readonly message: string }> {}

/** Sends a webhook POST and tells what the receiver answered. */
export class WebhookTransport extends Context.Tag("WebhookTransport")<WebhookTransport, {
  readonly post: (request: {
    readonly url: string
    readonly body: string
    readonly headers: Readonly<Record<string, string>>
    readonly timeout: Duration.Duration
  }) => Effect.Effect<{ readonly status: number }, WebhookTransportError>
}>() {}
