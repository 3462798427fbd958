import { Cause, type Config, Console, Effect, Either, Logger, type LogLevel } from "effect"
import { formatConfigError } from "./Config.ts"
import { layerLogger, type LogFormat } from "./Logging.ts"

/**
 * Runs `program` with its configuration, logs at `LOG_LEVEL` in `LOG_FORMAT`, and one clear line on stderr (exit code 1) when the
 * configuration is wrong or start-up fails.
 */
export const withConfig = <C extends { readonly logLevel: LogLevel.LogLevel; readonly logFormat: LogFormat }, A, E>(
  spec: Config.Config<C>,
  program: (config: C) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const config = yield* Effect.either(spec)
    if (Either.isLeft(config)) {
      yield* Console.error(formatConfigError(config.left))
      return yield* Effect.sync(() => process.exit(1))
    }
    return yield* program(config.right).pipe(
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(`start-up failed: ${Cause.pretty(cause).split("\n")[0]}`)
      ),
      Logger.withMinimumLogLevel(config.right.logLevel),
      Effect.provide(layerLogger(config.right.logFormat))
    )
  })
