import { cancelRouting, getRouting, retryRouting } from "../../../programs/routings.ts"
import { RoutingId } from "../../domain/ids.ts"
import { makeRouter, type Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers, idParam } from "../schemas/common.ts"
import { RoutingDetailView } from "../schemas/operations.ts"
import { routingDetailView } from "../views.ts"

const IdParam = idParam(RoutingId)

const route = routesTagged("routings")

/** One routing with its delivery attempts; retry and cancel. */
export const routingRoutes = (run: Run) => {
  const router = makeRouter()

  router.openapi(
    route({
      method: "get",
      path: "/routings/{id}",
      summary: "One routing with every delivery attempt",
      request: { params: IdParam },
      responses: { 200: answers("The routing", RoutingDetailView) },
      errors: [400, 401, 404, 503]
    }),
    async (c) => c.json(routingDetailView(await run(c, getRouting(c.req.valid("param").id))), 200)
  )

  router.openapi(
    route({
      method: "post",
      path: "/routings/{id}/retry",
      summary: "Deliver a failed routing again (admin)",
      request: { params: IdParam },
      responses: { 200: answers("The routing, pending again", RoutingDetailView) },
      errors: [400, 401, 403, 404, 409, 503]
    }),
    async (c) => c.json(routingDetailView(await run(c, retryRouting(c.req.valid("param").id))), 200)
  )

  router.openapi(
    route({
      method: "post",
      path: "/routings/{id}/cancel",
      summary: "Cancel a routing not yet delivered",
      request: { params: IdParam },
      responses: { 200: answers("The routing", RoutingDetailView) },
      errors: [400, 401, 403, 404, 409, 503]
    }),
    async (c) => c.json(routingDetailView(await run(c, cancelRouting(c.req.valid("param").id))), 200)
  )

  return router
}
