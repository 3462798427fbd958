import { Effect, Runtime } from "effect"
import { httpRequests, httpRequestsShed, taggedBy } from "../Metrics.ts"
import { type DashboardSettings, HttpSettings } from "../services/Settings.ts"
import type { Context } from "hono"
import { bodyLimit } from "hono/body-limit"
import { type AuthServices, requireApiKey } from "./auth.ts"
import { makeKeyGuard } from "./keyGuard.ts"
import { renderDocsPage } from "./docsPage.ts"
import { HttpAnswers } from "./answers.ts"
import { handleError } from "./errors.ts"
import { makeRouter, makeRunners } from "./router.ts"
import { type ApiKeyServices, apiKeyRoutes } from "./routes/apiKeys.ts"
import { type CompanyServices, companyRoutes } from "./routes/companies.ts"
import { dashboardRoutes } from "./routes/dashboard.ts"
import { type HealthServices, healthRoutes } from "./routes/health.ts"
import { type JobServices, jobRoutes } from "./routes/jobs.ts"
import { type MetricsServices, metricsRoutes } from "./routes/metrics.ts"
import { type OperationServices, operationRoutes } from "./routes/operations.ts"
import { type RoutingServices, routingRoutes } from "./routes/routings.ts"
import { type ReportServices, reportRoutes } from "./routes/reports.ts"
import { type SlaServices, slaRoutes } from "./routes/sla.ts"
import { type AlertServices, alertRoutes } from "./routes/alerts.ts"
import { makeLoadShedder } from "./shedLoad.ts"
import { serverSpan } from "./tracing.ts"
import { type WebhookServices, webhookRoutes } from "./routes/webhooks.ts"
import { whoAmIRoutes } from "./routes/whoami.ts"
import { BULK_MAX_JOBS } from "./schemas/jobs.ts"
import { serviceVersion } from "../version.ts"

/** Request bodies larger than this are refused with 413 before they are read. */
export const MAX_BODY_BYTES = 64 * 1024

/** `POST /jobs/bulk`'s limit: room for its 100 jobs. */
export const MAX_BULK_BODY_BYTES = 1024 * 1024

/**
 * A `POST /jobs/bulk` is as much work as its jobs: it counts as that many requests against `HTTP_MAX_IN_FLIGHT`. A body
 * that is not a list of jobs counts as one (the route refuses it).
 */
const bulkWeight = async (c: Context) => {
  if (c.req.method !== "POST") return 1
  const body: unknown = await c.req.json().catch(() => null)
  const jobs = typeof body === "object" && body !== null ? (body as { jobs?: unknown }).jobs : undefined
  return Array.isArray(jobs) ? Math.min(Math.max(jobs.length, 1), BULK_MAX_JOBS) : 1
}

const openApiInfo = {
  openapi: "3.1.0",
  info: {
    title: "service-integration",
    version: serviceVersion,
    description: "Takes home-service jobs, matches each to the trade companies best able to do it, and delivers " +
      "every routing as a lead into that company's field-service system. Errors always have the body " +
      "`{ \"error\": { \"code\", \"message\", \"details\" } }`."
  }
}

/** Every service the API's programs use: what authentication and each route group name, and the dashboard's settings. */
export type ApiServices =
  | AuthServices
  | HealthServices
  | MetricsServices
  | CompanyServices
  | JobServices
  | ApiKeyServices
  | RoutingServices
  | OperationServices
  | SlaServices
  | ReportServices
  | AlertServices
  | WebhookServices
  | DashboardSettings

/** Refusals under overload are logged at most this often, with how many there were, so overload cannot flood the log. */
const SHED_LOG_INTERVAL_MS = 10_000

const requestsOf = taggedBy(httpRequests, "method", "route", "status")

/** The HTTP API as a Hono app whose routes run programs on the current runtime. */
export const makeApp = Effect.gen(function*() {
  const runtime = yield* Effect.runtime<ApiServices>()
  const { run, runPublic } = makeRunners(runtime)
  const logError = (message: string, error: unknown) =>
    Runtime.runFork(runtime)(Effect.logError(message).pipe(Effect.annotateLogs("error", String(error))))
  const { maxInFlight } = yield* HttpSettings
  let shedSinceLog = 0
  let lastShedLogMs = 0
  const onShed = (inFlight: number) => {
    httpRequestsShed.unsafeUpdate(1, [])
    shedSinceLog += 1
    if (Date.now() - lastShedLogMs < SHED_LOG_INTERVAL_MS) return
    Runtime.runFork(runtime)(Effect.logWarning("at capacity: refusing requests with 503").pipe(
      Effect.annotateLogs({ in_flight: inFlight, max_in_flight: maxInFlight, refused: shedSinceLog })
    ))
    shedSinceLog = 0
    lastShedLogMs = Date.now()
  }

  const app = makeRouter()
  app.onError(handleError(logError))
  app.notFound((c) => {
    throw HttpAnswers.noRoute(c.req.method, c.req.path)
  })
  app.use("*", serverSpan)
  const limitTo = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw HttpAnswers.payloadTooLarge(maxSize)
      }
    })
  const [bodyLimited, bulkLimited] = [limitTo(MAX_BODY_BYTES), limitTo(MAX_BULK_BODY_BYTES)]
  app.use("*", (c, next) => (c.req.path === "/jobs/bulk" ? bulkLimited : bodyLimited)(c, next))
  // Counted by route template (never by path, which carries ids), after the answer is made.
  app.use("*", async (c, next) => {
    await next()
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath
    // Counted in place, with no fiber run for each request's count.
    requestsOf(c.req.method, route, String(c.res.status)).unsafeUpdate(1, [])
  })
  const load = makeLoadShedder({ maxInFlight, onShed })
  app.use("*", load.admit)
  app.use("*", requireApiKey(runPublic, makeKeyGuard()))
  app.use("/jobs/bulk", load.weigh(bulkWeight))

  app.route("/", healthRoutes(run, runPublic))
  app.route("/", metricsRoutes(runPublic))
  app.route("/", companyRoutes(run))
  app.route("/", jobRoutes(run))
  app.route("/", apiKeyRoutes(run))
  app.route("/", whoAmIRoutes())
  app.route("/", routingRoutes(run))
  app.route("/", operationRoutes(run))
  app.route("/", slaRoutes(run))
  app.route("/", reportRoutes(run))
  app.route("/", alertRoutes(run))
  app.route("/", webhookRoutes(run))
  app.route("/", yield* dashboardRoutes)

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key of a role: `admin` (everything), `viewer` (every GET the admin may make, and " +
      "`POST /matching/preview`; any other method is 403 `forbidden`) or `company` (its own company's jobs). " +
      "`GET /auth/me` answers the key's role."
  })
  const document = app.getOpenAPI31Document(openApiInfo)
  const docsPage = renderDocsPage(JSON.parse(JSON.stringify(document)))
  app.get("/openapi.json", (c) => c.json(document))
  app.get("/docs", (c) => c.html(docsPage))
  return app
})
