import { fromBase64, toBase64 } from "./base64.ts"

export const SECRET_KEY_BYTES = 32

/** 32 key bytes from 64 hex digits or from base64; undefined for anything else. */
export const decodeSecretKey = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  const trimmed = text.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Uint8Array.from(trimmed.match(/../g) ?? [], (h) => parseInt(h, 16))
    : fromBase64(trimmed)
  return bytes?.length === SECRET_KEY_BYTES ? bytes : undefined
}

/** A fresh key, written as base64. */
export const generateSecretKey = (): string => toBase64(crypto.getRandomValues(new Uint8Array(SECRET_KEY_BYTES)))
