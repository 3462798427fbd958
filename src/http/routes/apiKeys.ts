import { createRoute, z } from "@hono/zod-openapi"
import { createApiKey, listApiKeys, revokeApiKey } from "../../../programs/apiKeys.ts"
import { ApiKeyId } from "../../domain/ids.ts"
import { makeRouter, type Run } from "../router.ts"
import { ApiKeyView, CreateApiKeyBody, CreatedApiKeyView } from "../schemas/apiKeys.ts"
import { answers, Cursor, errorResponses, idParam, json, Limit, pageOf, security } from "../schemas/common.ts"
import { apiKeyView } from "../views.ts"
import type { ApiKeyRepo } from "../../services/ApiKeys.ts"
import type { CompanyRepo } from "../../services/Companies.ts"

/** The services the API key routes may use. */
export type ApiKeyServices = ApiKeyRepo | CompanyRepo

/** API keys (admin): issue one, shown once; list them; revoke one. */
export const apiKeyRoutes = (run: Run<ApiKeyServices>) => {
  const router = makeRouter()

  router.openapi(
    createRoute({
      method: "post",
      path: "/api-keys",
      tags: ["api keys"],
      summary: "Issue an API key (admin); the key is in this answer only",
      security,
      request: { body: json(CreateApiKeyBody) },
      responses: {
        201: answers("The key", CreatedApiKeyView),
        ...errorResponses(400, 401, 403, 413, 415, 422, 503)
      }
    }),
    async (c) => {
      const body = c.req.valid("json")
      const { record, key } = await run(c, createApiKey({
        role: body.role,
        companyId: body.company_id ?? null,
        name: body.name ?? `${body.role} key`,
        expiresAt: body.expires_at ?? null
      }))
      return c.json({ ...apiKeyView(record), key }, 201)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/api-keys",
      tags: ["api keys"],
      summary: "List API keys, newest first (admin); never the keys themselves",
      security,
      request: { query: z.object({ limit: Limit, cursor: Cursor.optional() }) },
      responses: { 200: answers("A page of keys", pageOf(ApiKeyView)), ...errorResponses(400, 401, 403, 503) }
    }),
    async (c) => {
      const q = c.req.valid("query")
      const page = await run(c, listApiKeys({ limit: q.limit, after: q.cursor ?? null }))
      return c.json({ items: page.items.map(apiKeyView), next_cursor: page.nextCursor }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "delete",
      path: "/api-keys/{id}",
      tags: ["api keys"],
      summary: "Revoke an API key (admin)",
      security,
      request: { params: idParam(ApiKeyId) },
      responses: {
        200: answers("Revoked", z.object({ id: z.string(), revoked: z.literal(true) })),
        ...errorResponses(400, 401, 403, 404, 503)
      }
    }),
    async (c) => {
      const { id } = c.req.valid("param")
      await run(c, revokeApiKey(id))
      return c.json({ id, revoked: true as const }, 200)
    }
  )

  return router
}
