import { z } from "@hono/zod-openapi"
import { createApiKey, listApiKeys, revokeApiKey } from "../../../programs/apiKeys.ts"
import { ApiKeyId } from "../../domain/ids.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { ApiKeyView, CreateApiKeyBody, CreatedApiKeyView } from "../schemas/apiKeys.ts"
import { answers, askedPage, idParam, json, pageOf, PageQuery } from "../schemas/common.ts"
import { apiKeyView, pageView } from "../views.ts"
import type { ApiKeyRepo } from "../../services/ApiKeys.ts"
import type { CompanyRepo } from "../../services/Companies.ts"

/** The services the API key routes may use. */
export type ApiKeyServices = ApiKeyRepo | CompanyRepo

/** API keys (admin): issue one, shown once; list them; revoke one. */
export const apiKeyRoutes = (run: Run<ApiKeyServices>) => {
  const routes = routesTagged("api keys")

  routes.post("/api-keys", {
    summary: "Issue an API key (admin); the key is in this answer only",
    request: { body: json(CreateApiKeyBody) },
    responses: { 201: answers("The key", CreatedApiKeyView) },
    extraErrors: [422]
  }, async (c) => {
    const body = c.req.valid("json")
    const { record, key } = await run(c, createApiKey({
      role: body.role,
      companyId: body.company_id ?? null,
      name: body.name ?? `${body.role} key`,
      expiresAt: body.expires_at ?? null
    }))
    return c.json({ ...apiKeyView(record), key }, 201)
  })

  routes.get("/api-keys", {
    summary: "List API keys, newest first (admin); never the keys themselves",
    request: { query: PageQuery },
    responses: { 200: answers("A page of keys", pageOf(ApiKeyView)) }
  }, async (c) => c.json(pageView(await run(c, listApiKeys(askedPage(c.req.valid("query")))), apiKeyView), 200))

  routes.delete("/api-keys/{id}", {
    summary: "Revoke an API key (admin)",
    request: { params: idParam(ApiKeyId) },
    responses: { 200: answers("Revoked", z.object({ id: z.string(), revoked: z.literal(true) })) }
  }, async (c) => {
    const { id } = c.req.valid("param")
    await run(c, revokeApiKey(id))
    return c.json({ id, revoked: true as const }, 200)
  })

  return routes.router
}
