import { routesTagged } from "../route.ts"
import { answers } from "../schemas/common.ts"
import { WhoAmIView } from "../schemas/whoami.ts"

/** Who the caller's key stands for (any key): what the dashboard shows and hides by. */
export const whoAmIRoutes = () => {
  const routes = routesTagged("api keys")

  routes.get("/auth/me", {
    summary: "The role of the calling key, and the company a company key acts for",
    responses: { 200: answers("The caller", WhoAmIView) }
  }, (c) => {
    const principal = c.get("principal")
    return c.json({
      role: principal.role,
      company_id: principal.role === "company" ? principal.companyId : null,
      key_id: principal.keyId
    }, 200)
  })

  return routes.router
}
