import { Effect } from "effect"
import { Hono } from "hono"
import { readFile } from "node:fs/promises"
import { DashboardSettings } from "../../services/Settings.ts"

/** The dashboard's files, served as they are: plain HTML, CSS and JavaScript modules, nothing fetched from elsewhere. */
const ASSETS: Record<string, string> = {
  "style.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "chart.js": "text/javascript; charset=utf-8",
  "alerts.js": "text/javascript; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "format.js": "text/javascript; charset=utf-8",
  "overview.js": "text/javascript; charset=utf-8",
  "companies.js": "text/javascript; charset=utf-8",
  "deadLetters.js": "text/javascript; charset=utf-8",
  "jobs.js": "text/javascript; charset=utf-8",
  "reports.js": "text/javascript; charset=utf-8"
}

/** Only this origin's scripts, styles and API; no inline script, no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'"
].join("; ")

const headers = (contentType: string) => ({
  "content-type": contentType,
  "cache-control": "no-cache",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer"
})

const escapeAttribute = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const read = (name: string) => Effect.promise(() => readFile(new URL(`../dashboard/${name}`, import.meta.url), "utf8"))

/**
 * `/dashboard`: the operations page, public like `/docs` (it holds no data; it asks for an admin or viewer key and sends it on
 * each API call, never in a URL). Files are read once, when the app is made; the page names Jaeger's UI when
 * `JAEGER_UI_URL` is set.
 */
export const dashboardRoutes = Effect.gen(function*() {
  const { jaegerUiUrl, serviceName } = yield* DashboardSettings
  const page = (yield* read("index.html"))
    .replace("{{JAEGER_UI_URL}}", escapeAttribute(jaegerUiUrl ?? ""))
    .replace("{{SERVICE_NAME}}", escapeAttribute(serviceName))
  const assets = new Map(yield* Effect.forEach(Object.entries(ASSETS), ([name, type]) =>
    Effect.map(read(name), (body) => [name, { body, type }] as const)))

  const router = new Hono()
  router.get("/dashboard", (c) => c.body(page, 200, headers("text/html; charset=utf-8")))
  router.get("/dashboard/", (c) => c.redirect("/dashboard"))
  router.get("/dashboard/assets/:name", (c) => {
    const asset = assets.get(c.req.param("name"))
    return asset === undefined ? c.notFound() : c.body(asset.body, 200, headers(asset.type))
  })
  return router
})
