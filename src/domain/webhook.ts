import { Effect, Schema } from "effect"
import { toBase64Url } from "./base64.ts"
import { SealedSecret } from "./company.ts"
import { DomainEventType } from "./events.ts"
import { CompanyId, type EventId } from "./ids.ts"

export const WebhookId = Schema.UUID.pipe(Schema.brand("WebhookId"))
export type WebhookId = typeof WebhookId.Type

/** A subscription to domain events; its signing secret is only ever held sealed (bound to the hook's id). */
export const Webhook = Schema.Struct({
  id: WebhookId,
  url: Schema.String,
  events: Schema.Array(DomainEventType),
  /** Only events about this company, when set. */
  companyId: Schema.NullOr(CompanyId),
  secret: SealedSecret,
  active: Schema.Boolean,
  consecutiveFailures: Schema.Int,
  disabledAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf
})
export type Webhook = typeof Webhook.Type

/** A domain event as a webhook receives it: the body is the exact text sent and signed at every attempt. */
export interface WebhookEvent {
  readonly id: EventId
  readonly type: DomainEventType
  /** The company the event is about, for hooks scoped to one; null for events about no single company. */
  readonly companyId: string | null
  readonly createdAt: Date
  readonly body: string
}

/** The body of every webhook POST: `{ id, type, created_at, data }`. */
export const webhookBody = (event: {
  readonly id: EventId
  readonly type: DomainEventType
  readonly createdAt: Date
  readonly data: unknown
}): string => JSON.stringify({ id: event.id, type: event.type, created_at: event.createdAt.toISOString(), data: event.data })

/** A delivery's state: `pending` until a receiver answers 2xx (`delivered`) or the attempts run out (`failed`). */
export type WebhookDeliveryStatus = "pending" | "delivered" | "failed"

/** One POST of an event to a hook, as `GET /webhooks/:id/deliveries` lists it. */
export interface WebhookAttempt {
  readonly eventId: EventId
  readonly type: string
  readonly at: Date
  /** The receiver's HTTP status; null when no answer came (connection failed, timeout). */
  readonly statusCode: number | null
  readonly durationMs: number
  readonly error: string | null
}

const hex = (bytes: ArrayBuffer): string => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

const encoder = new TextEncoder()

/** The `X-Signature` value: `sha256=` and the hex HMAC-SHA256 of the raw body under the hook's secret (WebCrypto). */
export const signature = (secret: string, body: string): Effect.Effect<string> =>
  Effect.promise(async () => {
    const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
    return `sha256=${hex(await crypto.subtle.sign("HMAC", key, encoder.encode(body)))}`
  })

/** The context a hook's secret is sealed to, so a sealed secret copied to another hook does not open. */
export const webhookSecretContext = (webhookId: string): string => `webhook:${webhookId}`

/** A new signing secret: `whsec_` and 32 random bytes as base64url. */
export const generateWebhookSecret: Effect.Effect<string> = Effect.sync(() =>
  `whsec_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`
)
