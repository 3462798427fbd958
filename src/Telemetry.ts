import { Effect, Option } from "effect"

/** The W3C `traceparent` of the current span, to carry the trace across the outbox; null outside any span. */
export const currentTraceparent: Effect.Effect<string | null> = Effect.map(
  Effect.option(Effect.currentSpan),
  Option.match({
    onNone: () => null,
    onSome: (span) => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
  })
)
