import { deliverySla, throughput } from "../../../programs/sla.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers } from "../schemas/common.ts"
import { SlaQuery, SlaView, ThroughputQuery, ThroughputView } from "../schemas/sla.ts"
import { minuteView, slaView } from "../views.ts"
import type { SlaRepo } from "../../services/Sla.ts"

/** The services the SLA routes may use. */
export type SlaServices = SlaRepo

/**
 * The delivery SLA (admin): latency percentiles from job accepted to lead accepted, breaches of the 5 minutes, and jobs
 * and deliveries per minute.
 */
export const slaRoutes = (run: Run<SlaServices>) => {
  const routes = routesTagged("operations")

  routes.get("/admin/sla", {
    summary: "Delivery latency percentiles and 5-minute SLA breaches over the jobs accepted in a window",
    request: { query: SlaQuery },
    responses: { 200: answers("The delivery SLA", SlaView) }
  }, async (c) => c.json(slaView(await run(c, deliverySla(c.req.valid("query").window))), 200))

  routes.get("/admin/throughput", {
    summary: "Jobs accepted and routings delivered per minute over the last minutes",
    request: { query: ThroughputQuery },
    responses: { 200: answers("Counts per minute, oldest first", ThroughputView) }
  }, async (c) => c.json({ items: (await run(c, throughput(c.req.valid("query").minutes))).map(minuteView) }, 200))

  return routes.router
}
