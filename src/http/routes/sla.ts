import { createRoute } from "@hono/zod-openapi"
import { deliverySla, throughput } from "../../../programs/sla.ts"
import { makeRouter, type Run } from "../router.ts"
import { answers, errorResponses, security } from "../schemas/common.ts"
import { SlaQuery, SlaView, ThroughputQuery, ThroughputView } from "../schemas/sla.ts"
import type { SlaRepo } from "../../services/Sla.ts"

/** The services the SLA routes may use. */
export type SlaServices = SlaRepo

/**
 * The delivery SLA (admin): latency percentiles from job accepted to lead accepted, breaches of the 5 minutes, and jobs
 * and deliveries per minute.
 */
export const slaRoutes = (run: Run<SlaServices>) => {
  const router = makeRouter()

  router.openapi(
    createRoute({
      method: "get",
      path: "/admin/sla",
      tags: ["operations"],
      summary: "Delivery latency percentiles and 5-minute SLA breaches over the jobs accepted in a window",
      security,
      request: { query: SlaQuery },
      responses: { 200: answers("The delivery SLA", SlaView), ...errorResponses(400, 401, 403, 503) }
    }),
    async (c) => {
      const sla = await run(c, deliverySla(c.req.valid("query").window))
      return c.json({
        window: sla.window,
        from: sla.from.toISOString(),
        to: sla.to.toISOString(),
        delivered: sla.delivered,
        p50_ms: sla.p50Ms,
        p95_ms: sla.p95Ms,
        p99_ms: sla.p99Ms,
        breaches: sla.breaches
      }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/admin/throughput",
      tags: ["operations"],
      summary: "Jobs accepted and routings delivered per minute over the last minutes",
      security,
      request: { query: ThroughputQuery },
      responses: { 200: answers("Counts per minute, oldest first", ThroughputView), ...errorResponses(400, 401, 403, 503) }
    }),
    async (c) => {
      const minutes = await run(c, throughput(c.req.valid("query").minutes))
      return c.json({ items: minutes.map((m) => ({ minute: m.minute.toISOString(), jobs: m.jobs, deliveries: m.deliveries })) }, 200)
    }
  )

  return router
}
