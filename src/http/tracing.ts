import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api"
import type { MiddlewareHandler } from "hono"

const tracer = trace.getTracer("service-integration/http")

const headerGetter = {
  keys: (headers: Headers) => {
    const keys: Array<string> = []
    headers.forEach((_, key) => keys.push(key))
    return keys
  },
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined
}

/**
 * The HTTP server span of each request, continuing the client's `traceparent` when it sends one. It is the active
 * context while the request runs, so the programs' spans nest under it. Named by route template (never by path, which
 * carries ids) once routing has found it.
 */
export const serverSpan: MiddlewareHandler = async (c, next) => {
  const url = new URL(c.req.url)
  const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter)
  const span = tracer.startSpan(c.req.method, {
    kind: SpanKind.SERVER,
    attributes: {
      "http.request.method": c.req.method,
      "url.path": url.pathname,
      "url.scheme": url.protocol.replace(":", ""),
      "server.address": url.hostname,
      ...(url.port === "" ? {} : { "server.port": Number(url.port) }),
      ...(c.req.header("user-agent") === undefined ? {} : { "user_agent.original": c.req.header("user-agent") })
    }
  }, parent)
  try {
    await context.with(trace.setSpan(parent, span), next)
  } finally {
    const route = c.req.routePath
    if (route !== "/*") {
      span.updateName(`${c.req.method} ${route}`)
      span.setAttribute("http.route", route)
    }
    span.setAttribute("http.response.status_code", c.res.status)
    if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    span.end()
  }
}
