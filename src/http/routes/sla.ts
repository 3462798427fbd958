import { deliverySla, throughput } from "../../../programs/sla.ts"
import { makeRouter, type Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers } from "../schemas/common.ts"
import { SlaQuery, SlaView, ThroughputQuery, ThroughputView } from "../schemas/sla.ts"

const route = routesTagged("operations")

/**
 * The delivery SLA (admin): latency percentiles from job accepted to lead accepted, breaches of the 5 minutes, and jobs
 * and deliveries per minute.
 */
export const slaRoutes = (run: Run) => {
  const router = makeRouter()

  router.openapi(
    route({
      method: "get",
      path: "/admin/sla",
      summary: "Delivery latency percentiles and 5-minute SLA breaches over the jobs accepted in a window",
      request: { query: SlaQuery },
      responses: { 200: answers("The delivery SLA", SlaView) },
      errors: [400, 401, 403, 503]
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
    route({
      method: "get",
      path: "/admin/throughput",
      summary: "Jobs accepted and routings delivered per minute over the last minutes",
      request: { query: ThroughputQuery },
      responses: { 200: answers("Counts per minute, oldest first", ThroughputView) },
      errors: [400, 401, 403, 503]
    }),
    async (c) => {
      const minutes = await run(c, throughput(c.req.valid("query").minutes))
      return c.json({ items: minutes.map((m) => ({ minute: m.minute.toISOString(), jobs: m.jobs, deliveries: m.deliveries })) }, 200)
    }
  )

  return router
}
