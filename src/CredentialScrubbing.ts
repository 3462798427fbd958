import type { Context } from "@opentelemetry/api"
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { withoutUrlCredentials } from "./domain/urlCredentials.ts"

type Attributes = Record<string, unknown>

const scrub = (attributes: Attributes) => {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "string") attributes[key] = withoutUrlCredentials(value)
  }
}

/**
 * A span processor that strips URL credentials from every string attribute, event attribute and status message of a
 * span as it ends, before `next` (the exporter's processor) sees it: a URL with a user and password (an HTTP client's
 * `url.full`, an error's message) never leaves the process in a trace.
 */
export const scrubbingCredentials = (next: SpanProcessor): SpanProcessor => ({
  onStart: (span: Span, parent: Context) => next.onStart(span, parent),
  onEnd: (span: ReadableSpan) => {
    scrub(span.attributes as Attributes)
    for (const event of span.events) if (event.attributes !== undefined) scrub(event.attributes as Attributes)
    if (span.status.message !== undefined) span.status.message = withoutUrlCredentials(span.status.message)
    next.onEnd(span)
  },
  forceFlush: () => next.forceFlush(),
  shutdown: () => next.shutdown()
})
