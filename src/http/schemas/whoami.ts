import { z } from "@hono/zod-openapi"

export const WhoAmIView = z.object({
  role: z.enum(["admin", "viewer", "company"]).openapi({
    description: "`viewer`: may make every GET the admin may (and `POST /matching/preview`), and no writes"
  }),
  company_id: z.string().openapi({ format: "uuid", description: "The company a company key acts for" }).nullable(),
  key_id: z.string().openapi({ format: "uuid", description: "The stored key; null for the `ADMIN_API_KEY`" }).nullable()
}).openapi("WhoAmI")
