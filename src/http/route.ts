import { type OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi"
import { type ApiEnv, makeRouter } from "./router.ts"
import { errorResponse, errorResponses, type ErrorStatus, security } from "./schemas/common.ts"

type Method = "get" | "post" | "put" | "patch" | "delete"

/**
 * A route as a group declares it: its summary, request and answers. `extraErrors` are the error statuses it answers
 * beyond the standard ones (see `standardErrors`), `withoutErrors` those of them it never answers.
 */
type RouteSpec = Omit<RouteConfig, "method" | "path" | "tags" | "security"> & {
  readonly summary: string
  readonly extraErrors?: ReadonlyArray<ErrorStatus>
  readonly withoutErrors?: ReadonlyArray<ErrorStatus>
}

/** The route with its tag, security and error entries: those of `responses` win. */
type Declared<M extends Method, P extends string, S extends RouteSpec> = AsRoute<Pick<S, Extract<keyof S, "request">> & {
  readonly method: M
  readonly path: P
  readonly tags: Array<string>
  readonly summary: string
  readonly security: typeof security
  readonly responses: Omit<Record<ErrorStatus, ReturnType<typeof errorResponse>>, keyof S["responses"]> & S["responses"]
}>

/** `T`, which is a route config once its spec is known. */
type AsRoute<T> = T extends RouteConfig ? T : never

/**
 * The error statuses a route behind a key answers for its request: 401, 403 and 503 always; 400 when it takes
 * parameters, a query, headers or a body; 404 when its path names an `id`; 413 and 415 when it takes a body.
 */
const standardErrors = ({ body, headers, params, query }: NonNullable<RouteSpec["request"]> = {}): Array<ErrorStatus> => [
  401,
  403,
  503,
  ...(body === undefined && headers === undefined && params === undefined && query === undefined ? [] : [400 as const]),
  ...(params instanceof z.ZodObject && "id" in params.shape ? [404 as const] : []),
  ...(body === undefined ? [] : [413 as const, 415 as const])
]

/**
 * Declares the routes of an OpenAPI tag on `router`: each behind `Authorization: Bearer <key>`, answering its error
 * statuses with their standard entries (an entry of `responses` for one of them wins). One method per HTTP method
 * registers a route with its handler.
 */
export const routesTagged = (tag: string, router: OpenAPIHono<ApiEnv> = makeRouter()) => {
  const declare = <M extends Method>(method: M) =>
  <P extends string, S extends RouteSpec>(
    path: P,
    spec: S,
    handler: RouteHandler<Declared<M, P, S>, ApiEnv>
  ) => {
    const { summary, description, extraErrors = [], withoutErrors = [], responses, ...rest } = spec
    const errors = [...standardErrors(spec.request), ...extraErrors].filter((status) => !withoutErrors.includes(status))
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
    router.openapi(route as unknown as Declared<M, P, S>, handler)
  }
  return { router, get: declare("get"), post: declare("post"), put: declare("put"), patch: declare("patch"), delete: declare("delete") }
}
