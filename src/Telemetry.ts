import { Effect, Option, Tracer } from "effect"

/** The W3C `traceparent` that names `span` as the parent of work elsewhere. */
export const traceparentOf = (span: Tracer.AnySpan) => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** The W3C `traceparent` of the current span, to carry the trace across the outbox; null outside any span. */
export const currentTraceparent: Effect.Effect<string | null> = Effect.map(
  Effect.option(Effect.currentSpan),
  Option.match({ onNone: () => null, onSome: traceparentOf })
)

const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The remote span a W3C `traceparent` names, to continue its trace; none when it is missing or malformed. */
export const spanOfTraceparent = (traceparent: string | null | undefined): Option.Option<Tracer.ExternalSpan> => {
  const match = traceparentPattern.exec(traceparent?.trim().toLowerCase() ?? "")
  if (match === null || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return Option.none()
  return Option.some(Tracer.externalSpan({
    traceId: match[1]!,
    spanId: match[2]!,
    sampled: (Number.parseInt(match[3]!, 16) & 1) === 1
  }))
}

interface ContinuingSpanOptions {
  readonly kind: Tracer.SpanKind
  readonly attributes: Readonly<Record<string, unknown>>
}

// No stack trace: these spans are named for the work, and one captured for each would cost on every span.
const continuing = (traceparent: string | null | undefined, options: ContinuingSpanOptions): Tracer.SpanOptions => ({
  captureStackTrace: false,
  kind: options.kind,
  attributes: options.attributes,
  ...Option.match(spanOfTraceparent(traceparent), { onNone: () => ({ root: true }), onSome: (parent) => ({ parent }) })
})

/**
 * Runs `self` as its own span in the trace `traceparent` names (a new trace without one), traced even inside work
 * that is not (the background loops run untraced so that idle polling makes no traces).
 */
export const withSpanContinuing = (name: string, traceparent: string | null | undefined, options: ContinuingSpanOptions) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  self.pipe(Effect.withSpan(name, continuing(traceparent, options)), Effect.withTracerEnabled(true))

/**
 * Starts a span in the trace `traceparent` names, as `withSpanContinuing` does, for work that is not one effect (one
 * of many messages published together); the caller ends it.
 */
export const startSpanContinuing = (name: string, traceparent: string | null | undefined, options: ContinuingSpanOptions) =>
  Effect.withTracerEnabled(Effect.makeSpan(name, continuing(traceparent, options)), true)

/** Runs background work untraced: it starts no traces of its own, and work in it that belongs to one says so. */
export const untraced = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => Effect.withTracerEnabled(self, false)
