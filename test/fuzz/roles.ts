import fc from "fast-check"
import { TEST_ADMIN_KEY } from "../support/services.ts"
import type { FuzzRequest } from "./requests.ts"
import { type Fixtures, writeRoutes } from "./routes.ts"

/** Another company's things: the ids a caller may put in a path, and what of it no other company may ever read. */
export interface Victim {
  readonly companyId: string
  readonly key: string
  readonly keyId: string
  readonly jobId: string
  readonly routingId: string
  /** A skill it has: a preview asking for it finds the victim. */
  readonly skill: string
  /** Text only the victim (and the admin) may see: its name, its job's homeowner. */
  readonly secrets: ReadonlyArray<string>
}

export type Role = "admin" | "viewer" | "company" | "victim" | "nobody"

export interface RoleRequest extends FuzzRequest {
  readonly role: Role
  /** The route as the OpenAPI document names it, e.g. `GET /jobs/{id}`. */
  readonly route: string
}

/** A route of the OpenAPI document. */
export interface DocumentedRoute {
  readonly method: string
  readonly template: string
}

/** The victim's id for a path of this kind, or, as often, an id that names nothing. */
const idFor = (template: string, v: Victim): fc.Arbitrary<string> => {
  const own = template.startsWith("/jobs/")
    ? v.jobId
    : template.startsWith("/routings/")
    ? v.routingId
    : /^\/(admin\/)?companies\//.test(template)
    ? v.companyId
    : template.startsWith("/api-keys/")
    ? v.keyId
    : undefined
  const unknown = template.startsWith("/admin/dlq/") ? fc.nat().map(String) : fc.uuid()
  return own === undefined ? unknown : fc.oneof({ weight: 3, arbitrary: fc.constant(own) }, { weight: 1, arbitrary: unknown })
}

/**
 * Any documented route, as any role (the admin, a viewer, the fixture company, the victim, nobody), on the victim's ids, with a
 * body the route accepts (the fixture company's, naming the victim where a body names a company, or a preview that
 * finds it) or an empty one.
 */
export const roleRequest = (f: Fixtures, victim: Victim, routes: ReadonlyArray<DocumentedRoute>): fc.Arbitrary<RoleRequest> => {
  const bodies = new Map(writeRoutes(f).map((r) => [`${r.method} ${r.path}`, r.body]))
  const keys: Record<Role, string | null> = { admin: TEST_ADMIN_KEY, viewer: f.viewerKey, company: f.companyKey, victim: victim.key, nobody: null }
  return fc.record({
    route: fc.constantFrom(...routes),
    // Mostly the other company's key, on the victim's ids: the case the matrix is for.
    role: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Role>("company") },
      { weight: 1, arbitrary: fc.constantFrom<Role>("admin", "viewer", "victim", "nobody") }
    ),
    namesVictim: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })
  }).chain(({ route, role, namesVictim }) =>
    idFor(route.template, victim).map((id): RoleRequest => {
      const name = `${route.method} ${route.template}`
      const known = bodies.get(name)
      const body = known === undefined
        ? (["POST", "PUT", "PATCH"].includes(route.method) ? {} : undefined)
        : !namesVictim
        ? known
        : name === "POST /matching/preview"
        ? { required_skills: [victim.skill] }
        : JSON.parse(JSON.stringify(known).replaceAll(f.companyId, victim.companyId))
      return {
        role,
        route: name,
        method: route.method,
        path: route.template.replace("{id}", id),
        options: body === undefined ? { key: keys[role] } : { key: keys[role], body }
      }
    })
  )
}
