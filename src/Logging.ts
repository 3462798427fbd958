import { Cause, Context, FiberRef, FiberRefs, HashMap, Logger, Option, Tracer } from "effect"
import { withoutUrlCredentials } from "./domain/urlCredentials.ts"

/** How logs are written: one JSON object per line, or readable lines for a terminal. */
export type LogFormat = "json" | "pretty"

const textOf = (message: unknown): string =>
  Array.isArray(message) ? message.map(textOf).join(" ") : typeof message === "string" ? message : JSON.stringify(message)

/** The nearest span that is traced: untraced work runs in placeholder spans, which lead to no trace. */
const tracedSpan = (span: Option.Option<Tracer.AnySpan>): Option.Option<Tracer.AnySpan> =>
  Option.flatMap(span, (s) =>
    Context.get(s.context, Tracer.DisablePropagation) ? (s._tag === "Span" ? tracedSpan(s.parent) : Option.none()) : Option.some(s))

/**
 * One JSON object per line on stdout: `time`, `level`, `message`, the `trace_id` and `span_id` of the span the log was
 * written in (so a line leads to its trace), the log's annotations (job, routing and company ids where they matter),
 * and the cause of a failure when there is one. A URL's user and password are stripped from the whole line.
 */
export const jsonLogger = Logger.make(({ annotations, cause, context, date, logLevel, message }) => {
  const line: Record<string, unknown> = { time: date.toISOString(), level: logLevel.label.toLowerCase(), message: textOf(message) }
  const span = tracedSpan(Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), Tracer.ParentSpan))
  if (Option.isSome(span)) {
    line["trace_id"] = span.value.traceId
    line["span_id"] = span.value.spanId
  }
  for (const [key, value] of HashMap.toEntries(annotations)) line[key] = value
  if (!Cause.isEmpty(cause)) line["cause"] = Cause.pretty(cause)
  globalThis.console.log(withoutUrlCredentials(JSON.stringify(line)))
})

/** Effect's readable lines, with a URL's user and password stripped from the message and the annotations. */
const prettyLogger = Logger.mapInputOptions(Logger.prettyLoggerDefault, (options) => ({
  ...options,
  message: withoutUrlCredentials(textOf(options.message)),
  annotations: HashMap.map(options.annotations, (value) => (typeof value === "string" ? withoutUrlCredentials(value) : value))
}))

/** The logger layer for a format, replacing Effect's default logger. */
export const layerLogger = (format: LogFormat) => Logger.replace(Logger.defaultLogger, format === "json" ? jsonLogger : prettyLogger)
