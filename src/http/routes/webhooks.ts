import { createRoute, z } from "@hono/zod-openapi"
import { createWebhook, deleteWebhook, enableWebhook, listWebhooks, webhookDeliveries } from "../../../programs/webhooks.ts"
import type { Webhook, WebhookAttempt } from "../../domain/webhook.ts"
import { WebhookId } from "../../domain/webhook.ts"
import { makeRouter, type Run } from "../router.ts"
import { answers, Cursor, errorResponses, idParam, json, Limit, pageOf, security } from "../schemas/common.ts"
import {
  CreatedWebhookView,
  CreateWebhookBody,
  EnabledWebhookView,
  WebhookAttemptView,
  WebhookDeliveriesQuery,
  WebhookView
} from "../schemas/webhooks.ts"
import type { CompanyRepo } from "../../services/Companies.ts"
import type { Secrets } from "../../services/Secrets.ts"
import type { OutboundAddresses } from "../../services/Settings.ts"
import type { WebhookRepo } from "../../services/Webhooks.ts"

const webhookView = (hook: Webhook): z.infer<typeof WebhookView> => ({
  id: hook.id,
  url: hook.url,
  events: [...hook.events],
  company_id: hook.companyId,
  active: hook.active,
  consecutive_failures: hook.consecutiveFailures,
  disabled_at: hook.disabledAt?.toISOString() ?? null,
  created_at: hook.createdAt.toISOString()
})

const attemptView = (attempt: WebhookAttempt): z.infer<typeof WebhookAttemptView> => ({
  event_id: attempt.eventId,
  type: attempt.type,
  status: attempt.error === null ? "delivered" : "failed",
  status_code: attempt.statusCode,
  duration_ms: attempt.durationMs,
  at: attempt.at.toISOString(),
  error: attempt.error
})

/** The services the webhook routes may use. */
export type WebhookServices = CompanyRepo | OutboundAddresses | Secrets | WebhookRepo

/**
 * Outgoing webhooks (admin): subscribe (the secret shown once), list, delete, enable again, and each hook's delivery
 * attempts.
 */
export const webhookRoutes = (run: Run<WebhookServices>) => {
  const router = makeRouter()

  router.openapi(
    createRoute({
      method: "post",
      path: "/webhooks",
      tags: ["webhooks"],
      summary: "Subscribe a URL to events (admin); the signing secret is in this answer only",
      security,
      request: { body: json(CreateWebhookBody) },
      responses: { 201: answers("The webhook", CreatedWebhookView), ...errorResponses(400, 401, 403, 413, 415, 422, 503) }
    }),
    async (c) => {
      const body = c.req.valid("json")
      const { hook, secret } = await run(c, createWebhook({ url: body.url, events: body.events, companyId: body.company_id ?? null }))
      return c.json({ ...webhookView(hook), secret }, 201)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/webhooks",
      tags: ["webhooks"],
      summary: "List webhooks, newest first (admin)",
      security,
      request: { query: z.object({ limit: Limit, cursor: Cursor.optional() }) },
      responses: { 200: answers("A page of webhooks", pageOf(WebhookView)), ...errorResponses(400, 401, 403, 503) }
    }),
    async (c) => {
      const q = c.req.valid("query")
      const page = await run(c, listWebhooks({ limit: q.limit, after: q.cursor ?? null }))
      return c.json({ items: page.items.map(webhookView), next_cursor: page.nextCursor }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "delete",
      path: "/webhooks/{id}",
      tags: ["webhooks"],
      summary: "Delete a webhook with its pending deliveries (admin)",
      security,
      request: { params: idParam(WebhookId) },
      responses: {
        200: answers("Deleted", z.object({ id: z.string(), deleted: z.literal(true) })),
        ...errorResponses(400, 401, 403, 404, 503)
      }
    }),
    async (c) => {
      const { id } = c.req.valid("param")
      await run(c, deleteWebhook(id))
      return c.json({ id, deleted: true as const }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "post",
      path: "/webhooks/{id}/enable",
      tags: ["webhooks"],
      summary: "Enable a disabled webhook and send it the events it missed (admin)",
      security,
      request: { params: idParam(WebhookId) },
      responses: { 200: answers("The webhook", EnabledWebhookView), ...errorResponses(400, 401, 403, 404, 503) }
    }),
    async (c) => {
      const { hook, resent } = await run(c, enableWebhook(c.req.valid("param").id))
      return c.json({ ...webhookView(hook), events_resent: resent }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/webhooks/{id}/deliveries",
      tags: ["webhooks"],
      summary: "A webhook's delivery attempts, newest first (admin)",
      security,
      request: { params: idParam(WebhookId), query: WebhookDeliveriesQuery },
      responses: {
        200: answers("The attempts", z.object({ items: z.array(WebhookAttemptView) })),
        ...errorResponses(400, 401, 403, 404, 503)
      }
    }),
    async (c) => {
      const { id } = c.req.valid("param")
      const { attempts } = await run(c, webhookDeliveries(id, c.req.valid("query").limit))
      return c.json({ items: attempts.map(attemptView) }, 200)
    }
  )

  return router
}
