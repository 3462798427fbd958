import { createRoute } from "@hono/zod-openapi"
import { createJob } from "../../../programs/createJob.ts"
import { cancelJob, getJob, listJobs } from "../../../programs/jobs.ts"
import { previewMatches } from "../../../programs/previewMatches.ts"
import { JobId } from "../../domain/ids.ts"
import { makeRouter, type Run } from "../router.ts"
import { answers, Cursor, errorResponses, idParam, json, Limit, pageOf, security } from "../schemas/common.ts"
import { CreateJobBody, IdempotencyHeaders, JobQuery, JobView, MatchView, PreviewBody } from "../schemas/jobs.ts"
import { foundJobView, jobView, matchView } from "../views.ts"
import { z } from "@hono/zod-openapi"

const IdParam = idParam(JobId)

/** Jobs: intake (matching and the outbox write), reading, listing and canceling; and the matching preview. */
export const jobRoutes = (run: Run) => {
  const router = makeRouter()

  router.openapi(
    createRoute({
      method: "post",
      path: "/jobs",
      tags: ["jobs"],
      summary: "Accept a job: match it and route it to the best companies",
      description: "The job, its routings and their outbox events are written in one transaction. " +
        "The same `Idempotency-Key` and body within 24 h answers the same job; another body answers 409.",
      security,
      request: { headers: IdempotencyHeaders, body: json(CreateJobBody) },
      responses: {
        201: answers("The job with its routings", JobView),
        ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503)
      }
    }),
    async (c) => {
      const body = c.req.valid("json")
      const { job } = await run(
        c,
        createJob({
          summary: body.summary,
          address: {
            street: body.address.street,
            ...(body.address.unit === undefined ? {} : { unit: body.address.unit }),
            city: body.address.city,
            state: body.address.state,
            zipCode: body.address.zip_code
          },
          homeowner: {
            name: body.homeowner.name,
            ...(body.homeowner.phone === undefined ? {} : { phone: body.homeowner.phone }),
            ...(body.homeowner.email === undefined ? {} : { email: body.homeowner.email })
          },
          createdByCompanyId: body.created_by_company_id,
          createdByTechnicianId: body.created_by_technician_id ?? null,
          requiredSkills: body.required_skills,
          skillLevels: body.skill_levels,
          category: body.category ?? null,
          priority: body.priority
        }, c.req.valid("header")["idempotency-key"] ?? null)
      )
      c.header("Location", `/jobs/${job.id}`)
      return c.json(jobView(job), 201)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/jobs",
      tags: ["jobs"],
      summary: "List jobs, newest first",
      description: "A company key sees the jobs its company created or received a routing for.",
      security,
      request: { query: JobQuery.extend({ limit: Limit, cursor: Cursor.optional() }) },
      responses: { 200: answers("A page of jobs", pageOf(JobView)), ...errorResponses(400, 401, 403, 503) }
    }),
    async (c) => {
      const q = c.req.valid("query")
      const page = await run(c, listJobs({
        status: q.status ?? null,
        companyId: q.company_id ?? null,
        createdAfter: q.created_after ?? null,
        limit: q.limit,
        after: q.cursor ?? null
      }))
      return c.json({ items: page.items.map(jobView), next_cursor: page.nextCursor }, 200)
    }
  )

  router.openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      tags: ["jobs"],
      summary: "One job with its routings",
      description: "Finished jobs moved to the archive are still found here, with `archived: true`.",
      security,
      request: { params: IdParam },
      responses: { 200: answers("The job", JobView), ...errorResponses(400, 401, 404, 503) }
    }),
    async (c) => c.json(foundJobView(await run(c, getJob(c.req.valid("param").id))), 200)
  )

  router.openapi(
    createRoute({
      method: "post",
      path: "/jobs/{id}/cancel",
      tags: ["jobs"],
      summary: "Cancel every routing not yet delivered",
      description: "A completed or archived job answers 409.",
      security,
      request: { params: IdParam },
      responses: { 200: answers("The job", JobView), ...errorResponses(400, 401, 403, 404, 409, 503) }
    }),
    async (c) => c.json(jobView(await run(c, cancelJob(c.req.valid("param").id))), 200)
  )

  router.openapi(
    createRoute({
      method: "post",
      path: "/matching/preview",
      tags: ["matching"],
      summary: "The companies a job would be routed to; nothing is written",
      security,
      request: { body: json(PreviewBody) },
      responses: {
        200: answers("Matches, best first", z.object({ matches: z.array(MatchView) })),
        ...errorResponses(400, 401, 413, 415, 503)
      }
    }),
    async (c) => {
      const body = c.req.valid("json")
      const matches = await run(
        c,
        previewMatches(
          { requiredSkills: body.required_skills, skillLevels: body.skill_levels, category: body.category ?? null },
          body.created_by_company_id ?? null
        )
      )
      return c.json({ matches: matches.map(matchView) }, 200)
    }
  )

  return router
}
