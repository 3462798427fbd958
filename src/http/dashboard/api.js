// The service's API, called with the signed-in key in the Authorization header (never in a URL).

/** An answer other than 2xx, with the API's error code and message. */
export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** `onRefused` is called when the key is refused (401/403), so the page can ask for it again. */
export const makeApi = (keyOf, onRefused) => {
  const call = async (method, path, body, accept) => {
    let response
    try {
      response = await fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${keyOf()}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(accept === undefined ? {} : { accept })
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store"
      })
    } catch {
      throw new ApiFailure(0, "unreachable", "the service cannot be reached")
    }
    const text = await response.text()
    if (response.ok && accept !== undefined) return text
    const json = text === "" ? null : safeJson(text)
    if (response.ok) return json
    const error = json?.error ?? {}
    const failure = new ApiFailure(response.status, error.code ?? "error", error.message ?? `answered ${response.status}`)
    if (response.status === 401) onRefused(failure)
    throw failure
  }
  return {
    get: (path) => call("GET", path),
    /** A GET answered as CSV: its text. */
    csv: (path) => call("GET", path, undefined, "text/csv"),
    post: (path, body) => call("POST", path, body ?? {}),
    put: (path, body) => call("PUT", path, body),
    delete: (path) => call("DELETE", path)
  }
}

const safeJson = (text) => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
