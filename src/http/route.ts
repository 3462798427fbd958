import type { RouteConfig } from "@hono/zod-openapi"
import { errorResponses, type ErrorStatus, security } from "./schemas/common.ts"

/** A route as a group declares it: its method, path, summary, request and answers; the group adds its tag and security. */
type RouteSpec = Omit<RouteConfig, "tags" | "security"> & { readonly summary: string }

/** The route with its standard error entries: those of `responses` win. */
type Declared<R extends RouteSpec, E extends ReadonlyArray<ErrorStatus>> = Omit<R, "responses" | "errors"> & {
  readonly tags: Array<string>
  readonly security: typeof security
  readonly responses: Omit<ReturnType<typeof errorResponses<E>>, keyof R["responses"]> & R["responses"]
}

/**
 * Declares the routes of an OpenAPI tag: each behind `Authorization: Bearer <key>`, answering the error statuses listed
 * in `errors` with their standard entries (an entry of `responses` for one of them wins).
 */
export const routesTagged = (tag: string) =>
<P extends string, R extends RouteSpec & { readonly path: P }, const E extends ReadonlyArray<ErrorStatus>>(
  spec: R & { readonly errors: E }
) => {
  const { method, path, summary, description, errors, responses, ...rest } = spec
  const route = {
    method,
    path,
    tags: [tag],
    summary,
    ...(description === undefined ? {} : { description }),
    security,
    ...rest,
    responses: { ...errorResponses(...errors), ...responses }
  }
  return route as unknown as Declared<R, E>
}
