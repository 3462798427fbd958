import { createRoute, z } from "@hono/zod-openapi"
import { prometheusText } from "../../../programs/metrics.ts"
import { makeRouter, type RunPublic } from "../router.ts"

/** `GET /metrics`: Prometheus text, no API key needed. */
export const metricsRoutes = (runPublic: RunPublic) => {
  const router = makeRouter()
  router.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["health"],
      summary: "Metrics in the Prometheus text format",
      responses: { 200: { description: "The metrics", content: { "text/plain": { schema: z.string() } } } }
    }),
    async (c) => c.text(await runPublic(prometheusText()), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
  )
  return router
}
