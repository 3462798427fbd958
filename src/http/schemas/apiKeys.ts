import { z } from "@hono/zod-openapi"
import { CompanyId } from "../../domain/ids.ts"
import { DateTimeInput, idOf, text, Timestamp } from "./common.ts"

export const CreateApiKeyBody = z.strictObject({
  role: z.enum(["admin", "viewer", "company"]).default("company").openapi({
    description: "`admin`: everything; `viewer`: every GET the admin may make (and `POST /matching/preview`), no writes; " +
      "`company`: acts for `company_id`"
  }),
  company_id: idOf(CompanyId).optional(),
  name: text(200).optional(),
  expires_at: DateTimeInput.optional().openapi({ description: "From then on the key is refused (401); it never expires without it" })
}).superRefine((body, ctx) => {
  if (body.role === "company" && body.company_id === undefined) {
    ctx.addIssue({ code: "custom", path: ["company_id"], message: "a company key needs company_id" })
  }
  if (body.role !== "company" && body.company_id !== undefined) {
    ctx.addIssue({ code: "custom", path: ["company_id"], message: `${body.role === "admin" ? "an admin" : "a viewer"} key has no company_id` })
  }
}).openapi("CreateApiKey")

export const ApiKeyView = z.object({
  id: z.string().openapi({ format: "uuid" }),
  role: z.enum(["admin", "viewer", "company"]),
  company_id: z.string().openapi({ format: "uuid" }).nullable(),
  name: z.string(),
  prefix: z.string().openapi({ description: "The first characters of the key, to tell keys apart" }),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable().openapi({ description: "When it was last accepted, to the minute" }),
  expires_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable()
}).openapi("ApiKey")

export const CreatedApiKeyView = ApiKeyView.extend({
  key: z.string().openapi({ description: "The key itself; shown this once, stored only as a hash" })
}).openapi("CreatedApiKey")
