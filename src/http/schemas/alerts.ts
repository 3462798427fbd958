import { z } from "@hono/zod-openapi"
import { Timestamp } from "./common.ts"

/** `?limit=`: how many open alerts to answer, 1 to 100, 20 by default. */
export const AlertsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) })

const Id = z.string().openapi({ format: "uuid" })

/** An open alert. */
export const AlertView = z.object({
  id: Id,
  type: z.enum(["circuit.opened", "provider.credentials_invalid", "dead_letter.added", "sla.breached"]).openapi({
    description: "The alert's kind: the webhook event that announced it"
  }),
  company_id: Id,
  routing_id: Id.nullable().openapi({ description: "The routing it is about (dead_letter.added, sla.breached)" }),
  job_id: Id.nullable(),
  message: z.string().openapi({
    description: "Human text naming the company, never a secret",
    example: "Acme Plumbing's ServiceTitan circuit opened after 5 failures in a row; calls resume at 14:05 UTC"
  }),
  opened_at: Timestamp
}).openapi("Alert")

/** The answer of `GET /alerts`. */
export const AlertsView = z.object({
  items: z.array(AlertView).openapi({ description: "Open alerts, newest first, at most `limit`" }),
  total: z.number().int().openapi({ description: "How many alerts are open in all" })
}).openapi("Alerts")
