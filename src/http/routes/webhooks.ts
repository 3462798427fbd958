import { z } from "@hono/zod-openapi"
import { createWebhook, deleteWebhook, enableWebhook, listWebhooks, webhookDeliveries } from "../../../programs/webhooks.ts"
import { WebhookId } from "../../domain/webhook.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers, askedPage, idParam, json, pageOf, PageQuery } from "../schemas/common.ts"
import {
  CreatedWebhookView,
  CreateWebhookBody,
  EnabledWebhookView,
  WebhookAttemptView,
  WebhookDeliveriesQuery,
  WebhookView
} from "../schemas/webhooks.ts"
import { pageView, webhookAttemptView, webhookView } from "../views.ts"
import type { CompanyRepo } from "../../services/Companies.ts"
import type { Secrets } from "../../services/Secrets.ts"
import type { OutboundAddresses } from "../../services/Settings.ts"
import type { WebhookRepo } from "../../services/Webhooks.ts"

/** The services the webhook routes may use. */
export type WebhookServices = CompanyRepo | OutboundAddresses | Secrets | WebhookRepo

/**
 * Outgoing webhooks (admin): subscribe (the secret shown once), list, delete, enable again, and each hook's delivery
 * attempts.
 */
export const webhookRoutes = (run: Run<WebhookServices>) => {
  const routes = routesTagged("webhooks")

  routes.post("/webhooks", {
    summary: "Subscribe a URL to events (admin); the signing secret is in this answer only",
    request: { body: json(CreateWebhookBody) },
    responses: { 201: answers("The webhook", CreatedWebhookView) },
    extraErrors: [422]
  }, async (c) => {
    const body = c.req.valid("json")
    const { hook, secret } = await run(c, createWebhook({ url: body.url, events: body.events, companyId: body.company_id ?? null }))
    return c.json({ ...webhookView(hook), secret }, 201)
  })

  routes.get("/webhooks", {
    summary: "List webhooks, newest first (admin)",
    request: { query: PageQuery },
    responses: { 200: answers("A page of webhooks", pageOf(WebhookView)) }
  }, async (c) => c.json(pageView(await run(c, listWebhooks(askedPage(c.req.valid("query")))), webhookView), 200))

  routes.delete("/webhooks/{id}", {
    summary: "Delete a webhook with its pending deliveries (admin)",
    request: { params: idParam(WebhookId) },
    responses: { 200: answers("Deleted", z.object({ id: z.string(), deleted: z.literal(true) })) }
  }, async (c) => {
    const { id } = c.req.valid("param")
    await run(c, deleteWebhook(id))
    return c.json({ id, deleted: true as const }, 200)
  })

  routes.post("/webhooks/{id}/enable", {
    summary: "Enable a disabled webhook and send it the events it missed (admin)",
    request: { params: idParam(WebhookId) },
    responses: { 200: answers("The webhook", EnabledWebhookView) }
  }, async (c) => {
    const { hook, resent } = await run(c, enableWebhook(c.req.valid("param").id))
    return c.json({ ...webhookView(hook), events_resent: resent }, 200)
  })

  routes.get("/webhooks/{id}/deliveries", {
    summary: "A webhook's delivery attempts, newest first (admin)",
    request: { params: idParam(WebhookId), query: WebhookDeliveriesQuery },
    responses: { 200: answers("The attempts", z.object({ items: z.array(WebhookAttemptView) })) }
  }, async (c) => {
    const { id } = c.req.valid("param")
    const { attempts } = await run(c, webhookDeliveries(id, c.req.valid("query").limit))
    return c.json({ items: attempts.map(webhookAttemptView) }, 200)
  })

  return routes.router
}
