import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { type ProviderAccount, ProviderError } from "../../src/services/Providers.ts"

const pathsOf = (prefix: string, decoded: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.isRight(decoded)
    ? []
    : ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((issue) => [prefix, ...issue.path.map(String)].join("."))

/**
 * An account's config and credentials decoded with its provider's schemas (parsed once, at the adapter's boundary);
 * when they do not decode, a permanent "missing configuration" error naming the fields at fault, never their values.
 */
export const decodeAccount = <C, CI, K, KI>(
  provider: string,
  schemas: { readonly config: Schema.Schema<C, CI>; readonly credentials: Schema.Schema<K, KI> },
  account: ProviderAccount
): Effect.Effect<{ readonly config: C; readonly credentials: K }, ProviderError> => {
  const config = Schema.decodeUnknownEither(schemas.config)(account.config, { errors: "all" })
  const credentials = Schema.decodeUnknownEither(schemas.credentials)(account.credentials ?? {}, { errors: "all" })
  if (Either.isRight(config) && Either.isRight(credentials)) {
    return Effect.succeed({ config: config.right, credentials: credentials.right })
  }
  const fields = [...new Set([...pathsOf("config", config), ...pathsOf("credentials", credentials)])]
  return Effect.fail(new ProviderError({
    kind: "permanent",
    message: `${provider}: missing configuration (${fields.join(", ")})`,
    retryAfter: Option.none()
  }))
}
