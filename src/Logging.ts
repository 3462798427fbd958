import {
  Cause,
  Config,
  ConfigError,
  Context,
  Either,
  Effect,
  FiberRef,
  FiberRefs,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Option,
  Tracer
} from "effect"
import { invalid } from "./Config.ts"
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
export const layer = (format: LogFormat) => Logger.replace(Logger.defaultLogger, format === "json" ? jsonLogger : prettyLogger)

const logLevels: Record<string, LogLevel.LogLevel> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warn: LogLevel.Warning,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  fatal: LogLevel.Fatal,
  none: LogLevel.None
}

/** `LOG_LEVEL` (info by default) and `LOG_FORMAT` (json by default). */
export const config = Config.all({
  level: Config.string("LOG_LEVEL").pipe(
    Config.mapOrFail((text) => {
      const level = logLevels[text.trim().toLowerCase()]
      return level === undefined
        ? invalid(`expected one of ${Object.keys(logLevels).join(", ")}, got ${JSON.stringify(text)}`)
        : Either.right(level)
    }),
    Config.withDefault(LogLevel.Info)
  ),
  format: Config.string("LOG_FORMAT").pipe(
    Config.mapOrFail((text): Either.Either<LogFormat, ConfigError.ConfigError> => {
      const format = text.trim().toLowerCase()
      return format === "json" || format === "pretty"
        ? Either.right(format)
        : invalid(`expected json or pretty, got ${JSON.stringify(text)}`)
    }),
    Config.withDefault<LogFormat>("json")
  )
})

/** Logs at `LOG_LEVEL` in `LOG_FORMAT`. */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(config, ({ format, level }) => Layer.merge(layer(format), Logger.minimumLogLevel(level)))
)
