/** A small JSON client for a service the test runs as a process. */
export const apiClient = (baseUrl: string, key: string) => {
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await send(method, path, body)
    const text = await response.text()
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
    return JSON.parse(text)
  }
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown = {}) => call("POST", path, body),
    put: (path: string, body: unknown) => call("PUT", path, body),
    delete: (path: string) => call("DELETE", path),
    /** The status and parsed body of a call, whatever the status (to assert on error answers). */
    raw: async (method: string, path: string, body?: unknown) => {
      const response = await send(method, path, body)
      const text = await response.text()
      return { status: response.status, body: text === "" ? null : JSON.parse(text) }
    }
  }
}

export type ApiClient = ReturnType<typeof apiClient>

/** Polls `check` until it answers true, or fails after `timeoutMs` with `describe()` in the message. */
export const eventually = async (check: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string>) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`not reached within ${timeoutMs} ms: ${await describe()}`)
}

/** A job body asking for one skill, created by `creator`. */
export const jobFor = (creator: string, skill: string, n: number) => ({
  summary: `Job ${n}`,
  address: { street: `${n} Main St`, city: "Anytown", state: "CA", zip_code: "12345" },
  homeowner: { name: "Jo Tester", phone: "(555) 000-0000" },
  created_by_company_id: creator,
  required_skills: [skill]
})

/** Receiving companies on the mock provider for one skill, and a creating company; answers their ids. */
export const tradesFor = async (api: ApiClient, skill: string, count: number, mock: Record<string, number> = {}) => {
  const receivers: Array<string> = []
  for (let i = 0; i < count; i++) {
    const company = await api.post("/companies", {
      name: `Trade ${i}`,
      skills: [{ skill, level: "expert", primary: i === 0 }],
      provider: { type: "mock", config: mock },
      rate_limit_per_minute: 100_000,
      delivery_concurrency: 4
    })
    receivers.push(company.id)
  }
  const creator = await api.post("/companies", { name: "Creator", provider: { type: "mock" } })
  return { receivers, creator: creator.id as string }
}
