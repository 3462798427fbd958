import { Hono } from "hono"
import type { Context } from "hono"
import { listen, makeFaults } from "./server.ts"

/** How the fake is set up: the OAuth app it accepts and how long its access tokens (JWTs carrying `exp`) live. */
export interface JobberFakeOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Access token life in seconds (default 3600). */
  readonly tokenLifetimeSeconds?: number
}

/** What the fake holds, as the mutations made it (readable by tests). */
export interface FakeClient { id: string; firstName?: string; lastName?: string; emails?: unknown; phones?: unknown }
export interface FakeProperty { id: string; clientId: string; address: Record<string, unknown> }
export interface FakeRequest { id: string; clientId: string; propertyId?: string; title: string; status: string; jobIds: Array<string> }
export interface FakeJob { id: string; requestId: string; jobStatus: string; completedAt: string | null; total: number | null }

/** The `extensions.cost` of an answer. */
export interface FakeCost {
  readonly requestedQueryCost: number
  readonly actualQueryCost: number
  readonly throttleStatus: { readonly maximumAvailable: number; readonly currentlyAvailable: number; readonly restoreRate: number }
}

type Vars = Record<string, unknown>
type Answer = { readonly data: unknown; readonly errors?: ReadonlyArray<unknown> }

const encodeId = (type: string, n: number) => Buffer.from(`gid://Jobber/${type}/${n}`).toString("base64")
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const blank = (value: unknown) => typeof value !== "string" || value.trim() === ""
const userError = (message: string, path: Array<string>) => ({ message, path })

/** A request field's aliases in the status query: alias → variable name. */
const requestAliases = (query: string) => [...query.matchAll(/(\w+):\s*request\(id:\s*\$(\w+)\)/g)].map((m) => [m[1]!, m[2]!] as const)

/**
 * A local Jobber: OAuth refresh with rotation (a refresh token works once), access tokens that expire, the
 * X-JOBBER-GRAPHQL-VERSION header required, the create mutations with `userErrors`, aliased request/job queries, a
 * query-cost budget answering THROTTLED with `throttleStatus`, and faults (429, 5xx, slow answers) per route:
 * "token", "graphql" (every GraphQL request) and each operation name ("ClientCreate", "RequestStates", ...).
 */
export const startJobberFake = async (options: JobberFakeOptions) => {
  const faults = makeFaults()
  const refreshTokens = new Set<string>()
  const accessTokens = new Map<string, number>()
  const clients = new Map<string, FakeClient>()
  const properties = new Map<string, FakeProperty>()
  const requests = new Map<string, FakeRequest>()
  const jobs = new Map<string, FakeJob>()
  const budget = { maximumAvailable: 10_000, currentlyAvailable: 10_000, restoreRate: 500, at: Date.now() }
  const seen = {
    versions: [] as Array<string>,
    refreshTokensUsed: [] as Array<string>,
    /** Every access and refresh token ever issued, so tests can check no message carries one. */
    issuedTokens: [] as Array<string>,
    lastCost: undefined as FakeCost | undefined
  }
  const settings = { unauthenticatedAs: "http" as "http" | "graphql", refuseAllTokens: false }
  let counter = 0
  const next = () => ++counter

  const issue = () => {
    const n = next()
    const life = options.tokenLifetimeSeconds ?? 3600
    const exp = Math.floor(Date.now() / 1000) + life
    const accessToken = `${base64url({ alg: "none" })}.${base64url({ sub: n, exp })}.sig${n}`
    const refreshToken = `refresh-${n}-${Math.random().toString(36).slice(2)}`
    accessTokens.set(accessToken, Date.now() + life * 1000)
    refreshTokens.add(refreshToken)
    seen.issuedTokens.push(accessToken, refreshToken)
    return { accessToken, refreshToken, life }
  }

  const costOf = (operation: string, query: string) =>
    operation === "RequestStates" ? 2 + 3 * requestAliases(query).length : operation === "Account" ? 1 : 10

  /** Spends the query's cost from the budget (restored over time); false when there is not enough. */
  const spend = (requested: number) => {
    const nowMs = Date.now()
    budget.currentlyAvailable = Math.min(
      budget.maximumAvailable,
      Math.floor(budget.currentlyAvailable + ((nowMs - budget.at) / 1000) * budget.restoreRate)
    )
    budget.at = nowMs
    const enough = budget.currentlyAvailable >= requested
    if (enough) budget.currentlyAvailable -= requested
    const { maximumAvailable, currentlyAvailable, restoreRate } = budget
    seen.lastCost = { requestedQueryCost: requested, actualQueryCost: enough ? requested : 0, throttleStatus: { maximumAvailable, currentlyAvailable, restoreRate } }
    return enough
  }

  const operations: Record<string, (vars: Vars, query: string) => Answer> = {
    Account: () => ({ data: { account: { id: encodeId("Account", 1), name: "Fake Plumbing" } } }),
    ClientCreate: (vars) => {
      const input = (vars["input"] ?? {}) as Record<string, unknown>
      if (blank(input["firstName"]) && blank(input["lastName"])) {
        return { data: { clientCreate: { client: null, userErrors: [userError("Client needs a first or last name", ["firstName"])] } } }
      }
      const client: FakeClient = { id: encodeId("Client", next()), ...input }
      clients.set(client.id, client)
      return { data: { clientCreate: { client: { id: client.id }, userErrors: [] } } }
    },
    PropertyCreate: (vars) => {
      const clientId = String(vars["clientId"])
      const address = ((vars["input"] as { properties?: Array<{ address?: Record<string, unknown> }> })?.properties?.[0]?.address) ?? {}
      const problem = !clients.has(clientId) ? userError("Client not found", ["clientId"]) : blank(address["street1"]) ? userError("Street can't be blank", ["properties", "0", "address", "street1"]) : undefined
      if (problem) return { data: { propertyCreate: { properties: null, userErrors: [problem] } } }
      const property: FakeProperty = { id: encodeId("Property", next()), clientId, address }
      properties.set(property.id, property)
      return { data: { propertyCreate: { properties: [{ id: property.id }], userErrors: [] } } }
    },
    RequestCreate: (vars) => {
      const input = (vars["input"] ?? {}) as Record<string, unknown>
      const clientId = String(input["clientId"])
      const propertyId = input["propertyId"] === undefined ? undefined : String(input["propertyId"])
      const problem = !clients.has(clientId) ? userError("Client not found", ["clientId"])
        : propertyId !== undefined && properties.get(propertyId)?.clientId !== clientId ? userError("Property not found", ["propertyId"])
        : blank(input["title"]) ? userError("Title can't be blank", ["title"]) : undefined
      if (problem) return { data: { requestCreate: { request: null, userErrors: [problem] } } }
      const request: FakeRequest = { id: encodeId("Request", next()), clientId, ...(propertyId ? { propertyId } : {}), title: String(input["title"]), status: "new", jobIds: [] }
      requests.set(request.id, request)
      return { data: { requestCreate: { request: { id: request.id }, userErrors: [] } } }
    },
    RequestStates: (vars, query) => {
      const data: Record<string, unknown> = {}
      const errors: Array<unknown> = []
      for (const [alias, variable] of requestAliases(query)) {
        const request = requests.get(String(vars[variable]))
        if (request === undefined) errors.push({ message: "Request not found", path: [alias], extensions: { code: "NOT_FOUND" } })
        const job = request?.jobIds[0] === undefined ? undefined : jobs.get(request.jobIds[0])
        data[alias] = request === undefined ? null : {
          id: request.id,
          status: request.status,
          jobs: { nodes: job === undefined ? [] : [{ id: job.id, jobStatus: job.jobStatus, completedAt: job.completedAt, total: job.total }] }
        }
      }
      return errors.length > 0 ? { data, errors } : { data }
    }
  }

  const graphql = (operation: string, query: string, vars: Vars, c: Context) => {
    const handler = operations[operation]
    const rootField = operation === "RequestStates" ? "request(" : `${operation[0]!.toLowerCase()}${operation.slice(1)}`
    if (handler === undefined || !query.includes(rootField)) {
      return c.json({ errors: [{ message: `Operation ${operation} is not valid against the schema`, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] })
    }
    if (!spend(costOf(operation, query))) {
      return c.json({ errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }], extensions: { cost: seen.lastCost } })
    }
    return c.json({ ...handler(vars, query), extensions: { cost: seen.lastCost } })
  }

  const app = new Hono()
  app.post("/api/oauth/token", async (c) => {
    const fault = await faults.apply("token", c)
    if (fault) return fault
    const form = await c.req.parseBody()
    if (form["client_id"] !== options.clientId || form["client_secret"] !== options.clientSecret) {
      return c.json({ error: "invalid_client" }, 401)
    }
    const used = String(form["refresh_token"])
    seen.refreshTokensUsed.push(used)
    if (form["grant_type"] !== "refresh_token" || !refreshTokens.delete(used)) {
      return c.json({ error: "invalid_grant", error_description: "The refresh token is invalid, expired or revoked" }, 400)
    }
    const token = issue()
    return c.json({ access_token: token.accessToken, refresh_token: token.refreshToken, expires_in: token.life })
  })
  app.post("/api/graphql", async (c) => {
    const fault = await faults.apply("graphql", c)
    if (fault) return fault
    const version = c.req.header("x-jobber-graphql-version")
    if (version === undefined) return c.json({ message: "X-JOBBER-GRAPHQL-VERSION header is required" }, 400)
    seen.versions.push(version)
    const token = c.req.header("authorization")?.replace(/^Bearer /, "") ?? ""
    if (settings.refuseAllTokens || (accessTokens.get(token) ?? 0) <= Date.now()) {
      return settings.unauthenticatedAs === "http"
        ? c.json({ message: "Unauthorized" }, 401)
        : c.json({ errors: [{ message: "Unauthenticated", extensions: { code: "UNAUTHENTICATED" } }] })
    }
    const body = (await c.req.json()) as { query?: string; operationName?: string; variables?: Vars }
    const query = body.query ?? ""
    const operation = body.operationName ?? /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "(anonymous)"
    const opFault = await faults.apply(operation, c)
    return opFault ?? graphql(operation, query, body.variables ?? {}, c)
  })

  const running = await listen(app)
  return {
    url: running.url,
    close: running.close,
    faults,
    clients,
    properties,
    requests,
    jobs,
    seen,
    settings,
    /** A fresh grant, as after the company authorised the app: an access token and a refresh token. */
    grant: () => issue(),
    /** Every access token issued so far stops working (they expired). */
    expireAccessTokens: () => accessTokens.forEach((_, token) => accessTokens.set(token, 0)),
    /** Sets the query-cost budget (what is available now, how fast it comes back). */
    setBudget: (patch: Partial<Pick<typeof budget, "currentlyAvailable" | "restoreRate" | "maximumAvailable">>) =>
      Object.assign(budget, patch, { at: Date.now() }),
    /** A request made directly in Jobber (not through the adapter); answers its id. */
    addRequest: (title = "Made in Jobber") => {
      const id = encodeId("Request", next())
      requests.set(id, { id, clientId: encodeId("Client", 0), title, status: "new", jobIds: [] })
      return id
    },
    /** Converts the request into a job with these fields; answers the job id. */
    attachJob: (requestId: string, job: Partial<Omit<FakeJob, "id" | "requestId">> = {}) => {
      const request = requests.get(requestId)
      if (request === undefined) throw new Error(`no request ${requestId}`)
      const id = encodeId("Job", next())
      jobs.set(id, { id, requestId, jobStatus: "unscheduled", completedAt: null, total: null, ...job })
      request.jobIds.push(id)
      request.status = "converted"
      return id
    },
    setJob: (jobId: string, patch: Partial<Omit<FakeJob, "id" | "requestId">>) => Object.assign(jobs.get(jobId)!, patch),
    setRequestStatus: (requestId: string, status: string) => Object.assign(requests.get(requestId)!, { status })
  }
}

/** A running Jobber fake and its helpers. */
export type JobberFake = Awaited<ReturnType<typeof startJobberFake>>
