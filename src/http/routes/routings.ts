import { createRoute } from "@hono/zod-openapi"
import { cancelRouting, getRouting, retryRouting } from "../../../programs/routings.ts"
import { RoutingId } from "../../domain/ids.ts"
import type { Job, Routing } from "../../domain/job.ts"
import type { RoutingAttempt } from "../../services/Routings.ts"
import { makeRouter, type Run } from "../router.ts"
import { answers, errorResponses, idParam, security } from "../schemas/common.ts"
import { RoutingDetailView } from "../schemas/operations.ts"
import { routingView } from "../views.ts"
import type { AlertRepo } from "../../services/Alerts.ts"
import type { CompanyRepo } from "../../services/Companies.ts"
import type { OutboxRepo } from "../../services/Outbox.ts"
import type { Providers } from "../../services/Providers.ts"
import type { RoutingRepo } from "../../services/Routings.ts"
import type { Secrets } from "../../services/Secrets.ts"
import type { DeliverySettings } from "../../services/Settings.ts"
import type { Transactions } from "../../services/Transactions.ts"

const IdParam = idParam(RoutingId)

const detailView = (detail: { readonly routing: Routing; readonly job: Job; readonly attempts: ReadonlyArray<RoutingAttempt> }) => ({
  ...routingView(detail.routing),
  attempts_log: detail.attempts.map((a) => ({
    at: a.at.toISOString(),
    outcome: a.outcome,
    duration_ms: a.durationMs,
    error: a.error
  }))
})

/** The services the routing routes may use. */
export type RoutingServices = AlertRepo | CompanyRepo | DeliverySettings | OutboxRepo | Providers | RoutingRepo | Secrets | Transactions

/** One routing with its delivery attempts; retry and cancel. */
export const routingRoutes = (run: Run<RoutingServices>) => {
  const router = makeRouter()

  router.openapi(
    createRoute({
      method: "get",
      path: "/routings/{id}",
      tags: ["routings"],
      summary: "One routing with every delivery attempt",
      security,
      request: { params: IdParam },
      responses: { 200: answers("The routing", RoutingDetailView), ...errorResponses(400, 401, 404, 503) }
    }),
    async (c) => c.json(detailView(await run(c, getRouting(c.req.valid("param").id))), 200)
  )

  router.openapi(
    createRoute({
      method: "post",
      path: "/routings/{id}/retry",
      tags: ["routings"],
      summary: "Deliver a failed routing again (admin)",
      security,
      request: { params: IdParam },
      responses: { 200: answers("The routing, pending again", RoutingDetailView), ...errorResponses(400, 401, 403, 404, 409, 503) }
    }),
    async (c) => c.json(detailView(await run(c, retryRouting(c.req.valid("param").id))), 200)
  )

  router.openapi(
    createRoute({
      method: "post",
      path: "/routings/{id}/cancel",
      tags: ["routings"],
      summary: "Cancel a routing not yet delivered",
      security,
      request: { params: IdParam },
      responses: { 200: answers("The routing", RoutingDetailView), ...errorResponses(400, 401, 403, 404, 409, 503) }
    }),
    async (c) => c.json(detailView(await run(c, cancelRouting(c.req.valid("param").id))), 200)
  )

  return router
}
