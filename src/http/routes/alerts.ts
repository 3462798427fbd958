import { listOpenAlerts } from "../../../programs/alerts.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { AlertsQuery, AlertsView } from "../schemas/alerts.ts"
import { alertView } from "../views.ts"
import { answers } from "../schemas/common.ts"
import type { AlertRepo } from "../../services/Alerts.ts"

/** The services the alert routes may use. */
export type AlertServices = AlertRepo

/** Open alerts (admin, viewer): what the dashboard's banner shows until each is resolved. */
export const alertRoutes = (run: Run<AlertServices>) => {
  const routes = routesTagged("operations")
  routes.get("/alerts", {
    summary: "Open alerts (open circuits, refused credentials, dead letters, SLA breaches), newest first",
    description: "Each stays open until resolved: a circuit when it closes; refused credentials by a successful " +
      "provider call or a change of the company's provider; a dead letter when its routing is retried or replayed " +
      "or the dead letter deleted; an SLA breach when its routing is delivered, canceled or given up. Admin and viewer keys.",
    request: { query: AlertsQuery },
    responses: { 200: answers("Open alerts", AlertsView) }
  }, async (c) => {
    const open = await run(c, listOpenAlerts(c.req.valid("query").limit))
    return c.json({ items: open.items.map(alertView), total: open.total }, 200)
  })
  return routes.router
}
