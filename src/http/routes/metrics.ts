import { createRoute, z } from "@hono/zod-openapi"
import { prometheusText } from "../../../programs/metrics.ts"
import { makeRouter, type RunPublic } from "../router.ts"
import type { Broker } from "../../services/Broker.ts"
import type { EventLoopLag } from "../../services/EventLoopLag.ts"
import type { OutboxRepo } from "../../services/Outbox.ts"
import type { CurrentReplica, PartitionLeases } from "../../services/Partitions.ts"
import type { BrokerPrefix, DeliverySettings, MetricsSettings } from "../../services/Settings.ts"
import type { ActorRegistry } from "../../services/Actors.ts"

/** The services `GET /metrics` may use. */
export type MetricsServices = ActorRegistry | Broker | BrokerPrefix | CurrentReplica | DeliverySettings | EventLoopLag | MetricsSettings | OutboxRepo | PartitionLeases

/** `GET /metrics`: Prometheus text, no API key needed. */
export const metricsRoutes = (runPublic: RunPublic<MetricsServices>) => {
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
