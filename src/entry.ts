import { NodeRuntime } from "@effect/platform-node"
import { Cause, ConfigError, Console, Effect } from "effect"
import { formatConfigError } from "./Config.ts"

/** Runs `program` as the process, with one clear line on stderr (exit code 1) when the configuration is wrong or start-up fails. */
export const runMain = <A, E>(program: Effect.Effect<A, E | ConfigError.ConfigError>) =>
  NodeRuntime.runMain(
    program.pipe(
      Effect.catchIf(ConfigError.isConfigError, (error) =>
        Console.error(formatConfigError(error)).pipe(Effect.zipRight(Effect.sync(() => process.exit(1))))),
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(`start-up failed: ${Cause.pretty(cause).split("\n")[0]}`)
      )
    ),
    { disableErrorReporting: true, disablePrettyLogger: true }
  )
