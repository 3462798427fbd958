import { makeRouter } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers } from "../schemas/common.ts"
import { WhoAmIView } from "../schemas/whoami.ts"

const route = routesTagged("api keys")

/** Who the caller's key stands for (any key): what the dashboard shows and hides by. */
export const whoAmIRoutes = () => {
  const router = makeRouter()

  router.openapi(
    route({
      method: "get",
      path: "/auth/me",
      summary: "The role of the calling key, and the company a company key acts for",
      responses: { 200: answers("The caller", WhoAmIView) },
      errors: [401, 403, 503]
    }),
    (c) => {
      const principal = c.get("principal")
      return c.json({
        role: principal.role,
        company_id: principal.role === "company" ? principal.companyId : null,
        key_id: principal.keyId
      }, 200)
    }
  )

  return router
}
