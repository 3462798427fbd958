import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { layer } from "../../layers/secrets/webCrypto.ts"
import { generateSecretKey } from "../../src/domain/secretKey.ts"
import { Secrets } from "../../src/services/Secrets.ts"

const key1 = Redacted.make(generateSecretKey())
const key2 = Redacted.make(generateSecretKey())
const sealWith = (current: Redacted.Redacted<string>, text: string, context: string) =>
  Effect.flatMap(Secrets, (s) => s.seal(text, context)).pipe(Effect.provide(layer({ current, previous: [] })))

describe("secrets (AES-256-GCM over WebCrypto)", () => {
  it.effect("opens what it sealed, and the sealed text shows nothing of the secret", () =>
    Effect.gen(function*() {
      const secrets = yield* Secrets
      const sealed = yield* secrets.seal('{"client_secret":"hunter2"}', "company-1")
      expect(sealed.data).not.toContain("hunter2")
      expect(atob(sealed.data)).not.toContain("hunter2")
      expect(sealed.keyId).toMatch(/^[0-9a-f]{16}$/)
      expect(yield* secrets.open(sealed, "company-1")).toBe('{"client_secret":"hunter2"}')
      const again = yield* secrets.seal('{"client_secret":"hunter2"}', "company-1")
      expect(again.data).not.toBe(sealed.data)
    }).pipe(Effect.provide(layer({ current: key1, previous: [] }))))

  it.effect("does not open under another context or when tampered with", () =>
    Effect.gen(function*() {
      const secrets = yield* Secrets
      const sealed = yield* secrets.seal("secret", "company-1")
      expect((yield* Effect.flip(secrets.open(sealed, "company-2")))._tag).toBe("SecretError")
      const bytes = Uint8Array.from(atob(sealed.data), (c) => c.charCodeAt(0))
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1
      const tampered = { ...sealed, data: btoa(String.fromCharCode(...bytes)) }
      expect((yield* Effect.flip(secrets.open(tampered, "company-1")))._tag).toBe("SecretError")
    }).pipe(Effect.provide(layer({ current: key1, previous: [] }))))

  it.effect("after a rotation, opens values sealed under a previous key and seals new ones under the current", () =>
    Effect.gen(function*() {
      const old = yield* sealWith(key1, "secret", "c")
      const secrets = yield* Secrets
      expect(yield* secrets.open(old, "c")).toBe("secret")
      const fresh = yield* secrets.seal("secret", "c")
      expect(fresh.keyId).not.toBe(old.keyId)
      const withoutOld = yield* Effect.flip(sealWith(key2, "x", "c").pipe(
        Effect.zipRight(Effect.flatMap(Secrets, (s) => s.open(old, "c"))),
        Effect.provide(layer({ current: key2, previous: [] }))
      ))
      expect(withoutOld.message).toContain("SECRETS_PREVIOUS_KEYS")
    }).pipe(Effect.provide(layer({ current: key2, previous: [key1] }))))
})
