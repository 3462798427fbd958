import { Config, type ConfigError, Effect, Either, Layer, Option, Redacted } from "effect"
import { join } from "node:path"
import { invalid, keyOrKeyFile, redacted } from "../../src/Config.ts"
import { fromBase64, toBase64 } from "../../src/domain/base64.ts"
import { sha256Hex } from "../../src/domain/hash.ts"
import { decodeSecretKey, generateSecretKey } from "../../src/domain/secretKey.ts"
import { readOrCreateKeyFile } from "../../src/keyFiles.ts"
import { SecretError, Secrets } from "../../src/services/Secrets.ts"

const IV_BYTES = 12
const encoder = new TextEncoder()

interface KeyEntry {
  readonly id: string
  readonly key: CryptoKey
}

/** A key's id is the start of the SHA-256 of its bytes: stable, and it reveals nothing of the key. */
const importKey = (material: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const bytes = decodeSecretKey(Redacted.value(material))
    if (bytes === undefined) return yield* Effect.dieMessage("a secrets key must be 32 bytes as base64 or 64 hex digits")
    const id = (yield* sha256Hex(toBase64(bytes))).slice(0, 16)
    const key = yield* Effect.promise(() => crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]))
    return { id, key } satisfies KeyEntry
  })

export interface SecretKeys {
  /** Seals every new value. */
  readonly current: Redacted.Redacted<string>
  /** Still open values sealed before a rotation. */
  readonly previous: ReadonlyArray<Redacted.Redacted<string>>
}

/** AES-256-GCM through WebCrypto; the sealed data is the 12-byte IV followed by the ciphertext and tag. */
export const layer = (keys: SecretKeys): Layer.Layer<Secrets> =>
  Layer.effect(
    Secrets,
    Effect.gen(function*() {
      const current = yield* importKey(keys.current)
      const previous = yield* Effect.forEach(keys.previous, importKey)
      const byId = new Map([current, ...previous].map((k) => [k.id, k.key]))

      return Secrets.of({
        seal: (plaintext, context) =>
          Effect.promise(async () => {
            const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
            const sealed = await crypto.subtle.encrypt(
              { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
              current.key,
              encoder.encode(plaintext)
            )
            const data = new Uint8Array(IV_BYTES + sealed.byteLength)
            data.set(iv)
            data.set(new Uint8Array(sealed), IV_BYTES)
            return { keyId: current.id, data: toBase64(data) }
          }),
        open: (sealed, context) => {
          const key = byId.get(sealed.keyId)
          const data = fromBase64(sealed.data)
          if (key === undefined) {
            return Effect.fail(
              new SecretError({ message: `no secrets key with id ${sealed.keyId}; add it to SECRETS_PREVIOUS_KEYS` })
            )
          }
          if (data === undefined || data.length <= IV_BYTES) {
            return Effect.fail(new SecretError({ message: "sealed secret is malformed" }))
          }
          return Effect.tryPromise({
            try: () =>
              crypto.subtle.decrypt(
                { name: "AES-GCM", iv: data.subarray(0, IV_BYTES), additionalData: encoder.encode(context) },
                key,
                data.subarray(IV_BYTES)
              ),
            catch: () => new SecretError({ message: "sealed secret does not open with its key (tampered or moved)" })
          }).pipe(Effect.map((plain) => new TextDecoder().decode(plain)))
        }
      })
    })
  )

/** `SECRETS_KEY` (required with `DATABASE_URL`; on the embedded default, one kept in `DATA_DIR/secrets.key`) and `SECRETS_PREVIOUS_KEYS`. */
export const config = Config.all({
  current: keyOrKeyFile(
    "SECRETS_KEY",
    Config.option(redacted(Config.string("SECRETS_KEY").pipe(Config.mapOrFail((text) =>
      decodeSecretKey(text) === undefined
        ? invalid("expected 32 bytes as base64 or as 64 hex digits (make one: openssl rand -base64 32)")
        : Either.right(text)
    )))),
    " (make one: openssl rand -base64 32)"
  ),
  previous: Config.string("SECRETS_PREVIOUS_KEYS").pipe(
    Config.mapOrFail((text): Either.Either<ReadonlyArray<Redacted.Redacted<string>>, ConfigError.ConfigError> => {
      const keys = text.split(",").map((k) => k.trim()).filter((k) => k !== "")
      return keys.every((k) => decodeSecretKey(k) !== undefined)
        ? Either.right(keys.map((k) => Redacted.make(k)))
        : invalid("expected comma-separated keys, each 32 bytes as base64 or 64 hex digits")
    }),
    Config.withDefault<ReadonlyArray<Redacted.Redacted<string>>>([])
  )
})

/** The keys the environment gives, or on the embedded default the one kept in `DATA_DIR/secrets.key`. */
export const layerConfig = Layer.unwrapEffect(Effect.gen(function*() {
  const { current, previous } = yield* config
  const key = Option.isSome(current.key)
    ? current.key.value
    : Redacted.make((yield* readOrCreateKeyFile(join(current.dataDir, "secrets.key"), generateSecretKey)).key)
  return layer({ current: key, previous })
}))
