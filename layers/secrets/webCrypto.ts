import { Effect, Layer, Redacted } from "effect"
import { fromBase64, toBase64 } from "../../src/domain/base64.ts"
import { sha256Hex } from "../../src/domain/hash.ts"
import { decodeSecretKey } from "../../src/domain/secretKey.ts"
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
