import { Effect } from "effect"

const hex = (bytes: ArrayBuffer): string => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

/** SHA-256 of a UTF-8 string, as lower-case hex, for code outside an effect (the HTTP edge). */
export const sha256HexOf = async (text: string): Promise<string> =>
  hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))

/** SHA-256 of a UTF-8 string, as lower-case hex. */
export const sha256Hex = (text: string): Effect.Effect<string> => Effect.promise(() => sha256HexOf(text))

/**
 * True when the two strings are equal, in a time that depends only on their lengths: comparing a presented key's hash
 * with the admin key's tells nothing through its timing.
 */
export const constantTimeEqual = (a: string, b: string): boolean => {
  let difference = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) difference |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return difference === 0
}

/** JSON with object keys sorted at every depth, so equal values always give equal text. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)
