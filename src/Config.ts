import { Config, ConfigError, Duration, Either, Option, Redacted } from "effect"
import type { DailyTime } from "./services/Settings.ts"

/** A value that does not fit; the variable's name is added to the path by the `Config` it belongs to. */
export const invalid = (message: string) => Either.left(ConfigError.InvalidData([], message))

/** A rule across variables, naming the one to fix. */
export const fail = (name: string, message: string) => Either.left(ConfigError.InvalidData([name], message))

/** A number passing `check` (`expected` says what passes), `fallback` when the variable is not set. */
export const number = (name: string, fallback: number, check: (n: number) => boolean, expected: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const value = Number(text)
      return text.trim() !== "" && Number.isFinite(value) && check(value)
        ? Either.right(value)
        : invalid(`expected ${expected}, got ${JSON.stringify(text)}`)
    }),
    Config.withDefault(fallback)
  )

/** An integer from `min` to `max`, `fallback` when the variable is not set. */
export const integer = (name: string, fallback: number, min: number, max: number) =>
  number(name, fallback, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`)

/** Whole days, from 1 to 100 years, in variables ending `_DAYS`. */
export const days = (name: string, fallback: number) => integer(name, fallback, 1, 36_500).pipe(Config.map(Duration.days))

/** Durations are seconds, fractions allowed, in variables ending `_SECONDS`. */
export const seconds = (name: `${string}_SECONDS`, fallback: number) =>
  number(name, fallback, (n) => n >= 0, "a number of seconds, 0 or more").pipe(Config.map(Duration.seconds))

/** A time of day as `HH:MM`, in UTC. */
export const dailyTime = (name: string, fallback: DailyTime) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim())
      return match === null
        ? invalid(`expected a UTC time of day as HH:MM (00:00 to 23:59), got ${JSON.stringify(text)}`)
        : Either.right<DailyTime>({ hour: Number(match[1]), minute: Number(match[2]) })
    }),
    Config.withDefault(fallback)
  )

/** A switch: 1, true, yes, on or 0, false, no, off (empty is off); `fallback` when the variable is not set. */
export const flag = (name: string, fallback = false) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const value = text.trim().toLowerCase()
      if (["1", "true", "yes", "on"].includes(value)) return Either.right(true)
      if (["", "0", "false", "no", "off"].includes(value)) return Either.right(false)
      return invalid(`expected 1 or 0 (true or false), got ${JSON.stringify(text)}`)
    }),
    Config.withDefault(fallback)
  )

/** Validated in the clear (no message repeats the value), then kept redacted so it never reaches a log. */
export const redacted = (config: Config.Config<string>) => Config.map(config, (value) => Redacted.make(value))

/** What is wrong with a URL, or undefined when it parses with one of the schemes; never with its user and password. */
const urlProblem = (text: string, schemes: ReadonlyArray<string>): string | undefined => {
  try {
    const parsed = new URL(text)
    return schemes.includes(parsed.protocol) ? undefined : `expected a ${schemes.join(" or ")} URL, got ${parsed.protocol}//${parsed.host}`
  } catch {
    return "expected a URL"
  }
}

/** A URL with one of `schemes`. */
export const url = (name: string, schemes: ReadonlyArray<string>) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const problem = urlProblem(text, schemes)
      return problem === undefined ? Either.right(text) : invalid(problem)
    })
  )

/** URLs separated by commas, each checked; a bad one is named by its place in the list. Answers them joined by commas. */
export const urls = (name: string, schemes: ReadonlyArray<string>) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const entries = text.split(",").map((entry) => entry.trim())
      for (const [index, entry] of entries.entries()) {
        const problem = urlProblem(entry, schemes)
        if (problem !== undefined) return invalid(entries.length > 1 ? `entry ${index + 1} of ${entries.length}: ${problem}` : problem)
      }
      return Either.right(entries.join(","))
    })
  )

/** `key=value` pairs separated by commas, values percent-encoded, as in `OTEL_RESOURCE_ATTRIBUTES`. */
export const keyValues = (name: string) =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const entries: Array<[string, string]> = []
      for (const pair of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
        const at = pair.indexOf("=")
        const key = pair.slice(0, at).trim()
        if (at < 1 || key === "") return invalid("expected key=value pairs separated by commas")
        try {
          entries.push([key, decodeURIComponent(pair.slice(at + 1).trim())])
        } catch {
          return invalid(`the value of ${key} is not percent-encoded`)
        }
      }
      return Either.right<Readonly<Record<string, string>>>(Object.fromEntries(entries))
    }),
    Config.withDefault<Readonly<Record<string, string>>>({})
  )

/** How long shutdown lets work in flight finish: `SHUTDOWN_TIMEOUT_SECONDS`, read by delivery and the HTTP server. */
export const shutdownTimeout = seconds("SHUTDOWN_TIMEOUT_SECONDS", 15)

/** `OTEL_DETAILED_SPANS`: a span for every statement and broker request too, read by the database and the broker. */
export const detailedSpans = flag("OTEL_DETAILED_SPANS")

/** The service name traces are kept under: `OTEL_SERVICE_NAME`. */
export const serviceName = Config.nonEmptyString("OTEL_SERVICE_NAME").pipe(Config.withDefault("service-integration"))

/** `DATABASE_URL`: PostgreSQL; not set, the embedded PGlite in `DATA_DIR` (the embedded default). */
export const databaseUrl = Config.option(redacted(url("DATABASE_URL", ["postgres:", "postgresql:"])))

/** `DATA_DIR`: where the embedded default keeps its database and its key files. */
export const dataDir = Config.nonEmptyString("DATA_DIR").pipe(Config.withDefault(".data"))

/**
 * A key given as `name` (`key` reads it), with `DATABASE_URL` and `DATA_DIR`. On a real database the key must be given:
 * the embedded default is the only place the service makes its own keys, kept in `DATA_DIR`.
 */
export const keyOrKeyFile = <A>(name: string, key: Config.Config<Option.Option<A>>, howToMakeOne: string) =>
  Config.all({ key, databaseUrl, dataDir }).pipe(
    Config.mapOrFail((read) =>
      Option.isSome(read.databaseUrl) && Option.isNone(read.key)
        ? fail(name, `required when DATABASE_URL is set${howToMakeOne}`)
        : Either.right(read)
    )
  )

/** A configuration error as one line naming each bad variable. */
export const formatConfigError = (error: ConfigError.ConfigError): string => {
  const lines: Array<string> = []
  const walk = (e: ConfigError.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        walk(e.left)
        walk(e.right)
        return
      case "InvalidData":
      case "MissingData":
      case "SourceUnavailable":
      case "Unsupported":
        lines.push(`${e.path.join(".")}: ${e.message}`)
    }
  }
  walk(error)
  return `configuration error: ${[...new Set(lines)].join("; ")}`
}
