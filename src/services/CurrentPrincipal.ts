import { Context } from "effect"
import type { Principal } from "../domain/principal.ts"

/** The caller of the current request, provided per request by the HTTP layer. */
export class CurrentPrincipal extends Context.Tag("CurrentPrincipal")<CurrentPrincipal, Principal>() {}
