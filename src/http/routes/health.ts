import { createRoute, z } from "@hono/zod-openapi"
import { Effect } from "effect"
import { requireSeesAll } from "../../../programs/access.ts"
import { checkDetailed, checkHealth, type ComponentHealth } from "../../../programs/health.ts"
import { bodyOf, HttpAnswers, RETRY_AFTER_SECONDS } from "../answers.ts"
import { makeRouter, type Run, type RunPublic } from "../router.ts"
import { ErrorBody, errorResponses, security } from "../schemas/common.ts"
import type { HealthProbes } from "../../services/Health.ts"
import type { OutboxRepo } from "../../services/Outbox.ts"
import type { ActorRegistry } from "../../services/Actors.ts"

const Ok = z.object({ status: z.literal("ok") })
const Component = z.object({
  name: z.string(),
  status: z.enum(["ok", "degraded", "down"]),
  latency_ms: z.number(),
  error: z.string().nullable().openapi({ description: "Why it is down or degraded, or what it reports (e.g. the outbox's backlog)" })
})
const Detailed = z.object({ status: z.enum(["ok", "degraded"]), components: z.array(Component) }).openapi("Health")

const okRoute = (path: string, summary: string) =>
  createRoute({
    method: "get",
    path,
    tags: ["health"],
    summary,
    responses: { 200: { description: "The process is up", content: { "application/json": { schema: Ok } } } }
  })

/** The services the health checks may use. */
export type HealthServices = ActorRegistry | HealthProbes | OutboxRepo

/** Health checks: no API key needed, but for the detailed one (the admin's: it names companies and their errors). */
export const healthRoutes = (run: Run<HealthServices>, runPublic: RunPublic<HealthServices>) => {
  const router = makeRouter()
  router.openapi(okRoute("/health", "Is the service up"), (c) => c.json({ status: "ok" as const }, 200))
  router.openapi(okRoute("/health/live", "Liveness: the process answers"), (c) => c.json({ status: "ok" as const }, 200))

  router.openapi(
    createRoute({
      method: "get",
      path: "/health/ready",
      tags: ["health"],
      summary: "Readiness: every dependency is reachable",
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: Detailed } } },
        503: { description: "A dependency is unreachable (`unavailable`)", content: { "application/json": { schema: ErrorBody } } }
      }
    }),
    async (c) => {
      const components = await runPublic(checkHealth())
      const down = components.filter((x) => x.status === "down")
      if (down.length > 0) {
        const answer = HttpAnswers.unavailable(
          `not ready: ${down.map((x) => x.name).join(", ")} unreachable`,
          RETRY_AFTER_SECONDS,
          down.map((x) => ({ path: x.name, message: x.error ?? "down" }))
        )
        // Sent here with its status as a literal, which the typed route needs; `respond` takes any status.
        for (const [name, value] of Object.entries(answer.headers)) c.header(name, value)
        return c.json(bodyOf(answer), 503)
      }
      return c.json({ status: "ok" as const, components: components.map(componentView) }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/health/detailed",
      tags: ["health"],
      summary: "Each component with its status and latency: PostgreSQL, the broker, the outbox's lag, the actors, each provider's circuit",
      security,
      responses: {
        200: { description: "Status of each component", content: { "application/json": { schema: Detailed } } },
        ...errorResponses(401, 403)
      }
    }),
    async (c) => {
      const components = await run(c, Effect.zipRight(requireSeesAll, checkDetailed()))
      const status = components.every((x) => x.status === "ok") ? "ok" as const : "degraded" as const
      return c.json({ status, components: components.map(componentView) }, 200)
    }
  )
  return router
}

const componentView = (x: ComponentHealth) => ({
  name: x.name,
  status: x.status,
  latency_ms: x.latencyMs,
  error: x.error
})
