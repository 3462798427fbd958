import { z } from "@hono/zod-openapi"
import { CompanyId } from "../../domain/ids.ts"
import { idOf, isStorable, Timestamp } from "./common.ts"

const eventTypes = [
  "routing.synced",
  "routing.failed",
  "routing.status_changed",
  "job.completed",
  "job.canceled",
  "circuit.opened",
  "circuit.closed",
  "provider.credentials_invalid",
  "dead_letter.added",
  "sla.breached"
] as const

/** An absolute http or https URL, at most 2048 characters. */
const WebhookUrl = z.string().trim().max(2048).refine(isStorable, "must not contain NUL characters").refine((text) => {
  try {
    const url = new URL(text)
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== ""
  } catch {
    return false
  }
}, "an absolute http or https URL").openapi({ example: "https://example.com/hooks/service-integration" })

export const CreateWebhookBody = z.strictObject({
  url: WebhookUrl,
  events: z.array(z.enum(eventTypes)).min(1).max(eventTypes.length * 2).openapi({
    description: "The event types to receive; the alerts (circuit.*, provider.credentials_invalid, dead_letter.added, sla.breached) carry company_id and a human message in data",
    example: ["routing.synced", "routing.failed"]
  }),
  company_id: idOf(CompanyId).optional().openapi({ description: "Only events about this company" })
}).openapi("CreateWebhook")

export const WebhookView = z.object({
  id: z.string().openapi({ format: "uuid" }),
  url: z.string(),
  events: z.array(z.enum(eventTypes)),
  company_id: z.string().openapi({ format: "uuid" }).nullable(),
  active: z.boolean().openapi({
    description: "False once disabled after WEBHOOK_MAX_FAILURES consecutive events that failed every attempt"
  }),
  consecutive_failures: z.number().int().openapi({ description: "Events given up in a row (every attempt failed)" }),
  disabled_at: Timestamp.nullable(),
  created_at: Timestamp
}).openapi("Webhook")

export const CreatedWebhookView = WebhookView.extend({
  secret: z.string().openapi({
    description: "Signs every delivery (X-Signature: sha256=<hex HMAC-SHA256 of the body>); shown this once"
  })
}).openapi("CreatedWebhook")

export const EnabledWebhookView = WebhookView.extend({
  events_resent: z.number().int().openapi({
    description: "Events it missed while disabled (or given up in the failures that disabled it), now due to it again"
  })
}).openapi("EnabledWebhook")

export const WebhookAttemptView = z.object({
  event_id: z.string().openapi({ format: "uuid" }),
  type: z.string(),
  status: z.enum(["delivered", "failed"]).openapi({ description: "delivered: the receiver answered 2xx" }),
  status_code: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null when none came" }),
  duration_ms: z.number().int(),
  at: Timestamp,
  error: z.string().nullable()
}).openapi("WebhookAttempt")

export const WebhookDeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) })
