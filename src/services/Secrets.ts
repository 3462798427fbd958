import { Context, Data, type Effect } from "effect"
import type { SealedSecret } from "../domain/company.ts"

export class SecretError extends Data.TaggedError("SecretError")<{ readonly message: string }> {}

/**
 * Encryption of secrets at rest. `context` (e.g. the owning company's id) is bound to the ciphertext, so a sealed value
 * copied to another owner does not open.
 */
export class Secrets extends Context.Tag("Secrets")<Secrets, {
  readonly seal: (plaintext: string, context: string) => Effect.Effect<SealedSecret>
  readonly open: (sealed: SealedSecret, context: string) => Effect.Effect<string, SecretError>
}>() {}
