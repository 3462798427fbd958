import { getConnInfo } from "@hono/node-server/conninfo"
import { Cause, Duration, Option } from "effect"
import type { Context, MiddlewareHandler } from "hono"
import { authenticate } from "../../programs/authenticate.ts"
import { sha256HexOf } from "../domain/hash.ts"
import type { Principal } from "../domain/principal.ts"
import { HttpAnswers } from "./answers.ts"
import { ProgramFailure } from "./errors.ts"
import type { KeyGuard } from "./keyGuard.ts"
import type { ApiEnv, RunPublic } from "./router.ts"
import type { RateLimiter } from "@effect/experimental"
import type { ApiKeyRepo } from "../services/ApiKeys.ts"
import type { AdminKey, HttpSettings } from "../services/Settings.ts"

const PUBLIC_PATHS = new Set(["/health", "/health/live", "/health/ready", "/metrics", "/docs", "/openapi.json"])

/** Keys are 46 characters; anything far longer is not one and is not worth hashing. */
const MAX_KEY_LENGTH = 256

/** The address of the client's connection (never a header it could forge); "unknown" where the server does not tell. */
const clientAddress = (c: Context<ApiEnv>): string => {
  try {
    return getConnInfo(c).remote.address ?? "unknown"
  } catch {
    return "unknown"
  }
}

const isUnauthorized = (error: unknown) =>
  error instanceof ProgramFailure && Option.exists(Cause.failureOption(error.failure), (e) => (e as { _tag?: string })._tag === "Unauthorized")

const bearer = (header: string | undefined): string | undefined => {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i)
  return match?.[1] !== undefined && match[1].length <= MAX_KEY_LENGTH ? match[1] : undefined
}

/** The dashboard's page and files: public, as they hold no data (the page asks for an admin or viewer key). */
const isDashboard = (path: string) => path === "/dashboard" || path.startsWith("/dashboard/")

/**
 * The routes a company key may call (its programs then check which company's data it touches); every other route
 * that needs a key is the admin's. Kept here as well as in the programs, so that a route whose program forgets its
 * check is still closed to company keys.
 */
const COMPANY_ROUTES: ReadonlyArray<readonly [method: string, path: RegExp]> = [
  ["POST", /^\/jobs$/],
  ["POST", /^\/jobs\/bulk$/],
  ["GET", /^\/jobs$/],
  ["GET", /^\/jobs\/[^/]+$/],
  ["POST", /^\/jobs\/[^/]+\/cancel$/],
  ["POST", /^\/matching\/preview$/],
  ["GET", /^\/routings\/[^/]+$/],
  ["POST", /^\/routings\/[^/]+\/cancel$/],
  ["GET", /^\/companies\/[^/]+$/],
  ["POST", /^\/companies\/[^/]+\/technicians$/],
  ["GET", /^\/auth\/me$/],
  ["GET", /^\/reports\/(companies|daily)$/]
]

const companyMayCall = (method: string, path: string) =>
  COMPANY_ROUTES.some(([m, pattern]) => m === method && pattern.test(path))

/** The one route not a `GET` that writes nothing: a viewer may call it as well. */
const VIEWER_POSTS: ReadonlyArray<RegExp> = [/^\/matching\/preview$/]

/**
 * A viewer reads what the admin reads and writes nothing: every `GET` (`HEAD`) may pass, and the few `POST`s that only
 * read. Decided here by method, so that a new write route is closed to viewers without a word of its own.
 */
const viewerMayCall = (method: string, path: string) =>
  method === "GET" || method === "HEAD" || (method === "POST" && VIEWER_POSTS.some((pattern) => pattern.test(path)))

const mayCall = (principal: Principal, method: string, path: string) =>
  principal.role === "admin" ||
  (principal.role === "viewer" ? viewerMayCall(method, path) : companyMayCall(method, path))

/** The services authentication may use. */
export type AuthServices = AdminKey | ApiKeyRepo | HttpSettings | RateLimiter.RateLimiter

/**
 * Every route but health (the detailed one excepted), metrics, docs and the dashboard's files needs `Authorization:
 * Bearer <key>`; the caller is kept for the route. A company key is refused (`403`) on any route not in
 * `COMPANY_ROUTES`, a viewer key on any route that writes (see `viewerMayCall`). An address that keeps sending unknown
 * keys is refused (`429`) before any lookup (see `KeyGuard`), and each key is held to its rate limit.
 */
export const requireApiKey = (runPublic: RunPublic<AuthServices>, guard: KeyGuard): MiddlewareHandler<ApiEnv> => async (c, next) => {
  if (PUBLIC_PATHS.has(c.req.path) || isDashboard(c.req.path)) return next()
  const key = bearer(c.req.header("Authorization"))
  if (key === undefined) {
    throw HttpAnswers.missingApiKey()
  }
  const keyHash = await sha256HexOf(key)
  const address = clientAddress(c)
  const waitMs = guard.waitMs(address, keyHash)
  if (waitMs > 0) throw HttpAnswers.rateLimited("too many requests with unknown keys from this address", Duration.millis(waitMs))
  const principal = await runPublic(authenticate(keyHash)).catch((error: unknown) => {
    if (isUnauthorized(error)) guard.failed(address)
    throw error
  })
  guard.accepted(keyHash)
  if (!mayCall(principal, c.req.method, c.req.path)) {
    throw HttpAnswers.forbidden(principal.role === "viewer" ? "a viewer key only reads" : "this action needs the admin key")
  }
  c.set("principal", principal)
  return next()
}
