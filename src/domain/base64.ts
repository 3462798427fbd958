/** Base64 (standard alphabet, padded) of bytes. */
export const toBase64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

/** Bytes of standard or URL-safe base64, padded or not; undefined when the text is not base64. */
export const fromBase64 = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "")
  try {
    return Uint8Array.from(atob(standard + "=".repeat((4 - (standard.length % 4)) % 4)), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

export const toBase64Url = (bytes: Uint8Array): string =>
  toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
