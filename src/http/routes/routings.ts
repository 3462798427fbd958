import { cancelRouting, getRouting, retryRouting } from "../../../programs/routings.ts"
import { RoutingId } from "../../domain/ids.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers, idParam } from "../schemas/common.ts"
import { RoutingDetailView } from "../schemas/operations.ts"
import { routingDetailView } from "../views.ts"
import type { AlertRepo } from "../../services/Alerts.ts"
import type { CompanyRepo } from "../../services/Companies.ts"
import type { OutboxRepo } from "../../services/Outbox.ts"
import type { Providers } from "../../services/Providers.ts"
import type { RoutingRepo } from "../../services/Routings.ts"
import type { Secrets } from "../../services/Secrets.ts"
import type { DeliverySettings } from "../../services/Settings.ts"
import type { Transactions } from "../../services/Transactions.ts"

const IdParam = idParam(RoutingId)

/** A read any key may make: a routing the key does not see is not found, never forbidden. */
const anyKey = { withoutErrors: [403] } as const

/** A change that the routing's state may refuse. */
const conflicts = { extraErrors: [409] } as const

/** The routes of one routing: each runs its program on the routing of the path and answers it with its attempts. */
const byId = [
  ["get", "/routings/{id}", "One routing with every delivery attempt", "The routing", anyKey, getRouting],
  ["post", "/routings/{id}/retry", "Deliver a failed routing again (admin)", "The routing, pending again", conflicts, retryRouting],
  ["post", "/routings/{id}/cancel", "Cancel a routing not yet delivered", "The routing", conflicts, cancelRouting]
] as const

/** The services the routing routes may use. */
export type RoutingServices = AlertRepo | CompanyRepo | DeliverySettings | OutboxRepo | Providers | RoutingRepo | Secrets | Transactions

/** One routing with its delivery attempts; retry and cancel. */
export const routingRoutes = (run: Run<RoutingServices>) => {
  const routes = routesTagged("routings")
  for (const [method, path, summary, answer, errors, program] of byId) {
    routes[method](
      path,
      { summary, request: { params: IdParam }, responses: { 200: answers(answer, RoutingDetailView) }, ...errors },
      async (c) => c.json(routingDetailView(await run(c, program(c.req.valid("param").id))), 200)
    )
  }
  return routes.router
}
