import { Effect, Option } from "effect"
import { InvalidReference, NotFound } from "../src/domain/errors.ts"
import type { DomainEventType } from "../src/domain/events.ts"
import { type CompanyId, newId } from "../src/domain/ids.ts"
import { type PageQuery, readPage } from "../src/domain/page.ts"
import { now } from "../src/domain/time.ts"
import { generateWebhookSecret, type Webhook, WebhookId, webhookSecretContext } from "../src/domain/webhook.ts"
import { CompanyRepo } from "../src/services/Companies.ts"
import { Secrets } from "../src/services/Secrets.ts"
import { OutboundAddresses } from "../src/services/Settings.ts"
import { WebhookRepo } from "../src/services/Webhooks.ts"
import { requireAdmin, requireSeesAll } from "./access.ts"

export interface NewWebhook {
  readonly url: string
  readonly events: ReadonlyArray<DomainEventType>
  readonly companyId: CompanyId | null
}

/** Subscribes a URL to events. The signing secret is answered this once; it is stored sealed to the hook's id. */
export const createWebhook = Effect.fn("Webhooks.create")(function*(input: NewWebhook) {
  yield* requireAdmin
  if (input.companyId !== null && !(yield* (yield* CompanyRepo).exists(input.companyId))) {
    return yield* new InvalidReference({
      message: "unknown company",
      details: [{ path: "company_id", message: "no company with this id" }]
    })
  }
  const refused = yield* (yield* OutboundAddresses).refusal(input.url)
  if (Option.isSome(refused)) {
    return yield* new InvalidReference({ message: "refused address", details: [{ path: "url", message: refused.value }] })
  }
  const id = yield* newId(WebhookId)
  const secret = yield* generateWebhookSecret
  const hook: Webhook = {
    id,
    url: input.url,
    events: [...new Set(input.events)],
    companyId: input.companyId,
    secret: yield* (yield* Secrets).seal(secret, webhookSecretContext(id)),
    active: true,
    consecutiveFailures: 0,
    disabledAt: null,
    createdAt: yield* now
  }
  yield* (yield* WebhookRepo).insert(hook)
  yield* Effect.logInfo("webhook created").pipe(Effect.annotateLogs({ webhook_id: id, events: hook.events.join(",") }))
  return { hook, secret }
})

/** A page of webhooks, newest first. */
export const listWebhooks = Effect.fn("Webhooks.list")(function*(query: PageQuery) {
  yield* requireSeesAll
  return yield* readPage((yield* WebhookRepo).list, query)
})

/** Deletes a webhook with its pending deliveries and its attempts. */
export const deleteWebhook = Effect.fn("Webhooks.delete")(function*(id: WebhookId) {
  yield* requireAdmin
  if (!(yield* (yield* WebhookRepo).delete(id))) return yield* new NotFound({ resource: "webhook", id })
  yield* Effect.logInfo("webhook deleted").pipe(Effect.annotateLogs({ webhook_id: id }))
})

/**
 * Enables a hook disabled after its receiver kept failing, and sends it the events it missed (see `WebhookRepo.enable`);
 * an active hook is answered as it is. Answers the hook and how many events are due to it again.
 */
export const enableWebhook = Effect.fn("Webhooks.enable")(function*(id: WebhookId) {
  yield* requireAdmin
  const repo = yield* WebhookRepo
  const resent = yield* repo.enable(id, yield* now)
  if (Option.isNone(resent)) return yield* new NotFound({ resource: "webhook", id })
  const hook = yield* repo.get(id)
  if (Option.isNone(hook)) return yield* new NotFound({ resource: "webhook", id })
  yield* Effect.logInfo("webhook enabled").pipe(Effect.annotateLogs({ webhook_id: id, events_resent: resent.value }))
  return { hook: hook.value, resent: resent.value }
})

/** A webhook's delivery attempts, newest first. */
export const webhookDeliveries = Effect.fn("Webhooks.deliveries")(function*(id: WebhookId, limit: number) {
  yield* requireSeesAll
  const repo = yield* WebhookRepo
  const hook = yield* repo.get(id)
  if (Option.isNone(hook)) return yield* new NotFound({ resource: "webhook", id })
  return { hook: hook.value, attempts: yield* repo.attempts(id, limit) }
})
