import { Either } from "effect"
import { createJob, createJobs } from "../../../programs/createJob.ts"
import { cancelJob, getJob, listJobs } from "../../../programs/jobs.ts"
import { previewMatches } from "../../../programs/previewMatches.ts"
import { JobId } from "../../domain/ids.ts"
import { jobZip } from "../../domain/serviceAreas.ts"
import { camelCaseKeys } from "../../SnakeCase.ts"
import type { NewJob } from "../../domain/intake.ts"
import { bodyOf, HttpAnswers } from "../answers.ts"
import { zodDetails } from "../errors.ts"
import { fromFailure } from "../failureAnswers.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers, askedPage, idParam, json, pageOf, PageQuery } from "../schemas/common.ts"
import {
  BulkJobDoc,
  BulkJobKey,
  BulkJobsBody,
  BulkResultsView,
  CreateJobBody,
  IdempotencyHeaders,
  JobQuery,
  JobView,
  PreviewBody,
  PreviewView
} from "../schemas/jobs.ts"
import { exclusionView, foundJobView, jobView, matchView, pageView } from "../views.ts"
import { z } from "@hono/zod-openapi"
import type { ArchiveRepo } from "../../services/Archive.ts"
import type { CompanyDirectory } from "../../services/CompanyDirectory.ts"
import type { JobIntake } from "../../services/JobIntake.ts"
import type { JobRepo } from "../../services/Jobs.ts"
import type { OutboxRepo } from "../../services/Outbox.ts"
import type { MatchSettings } from "../../services/Settings.ts"
import type { Transactions } from "../../services/Transactions.ts"

const IdParam = idParam(JobId)

/** A `POST /jobs` body as the job to accept. */
const newJobOf = (body: z.infer<typeof CreateJobBody>): NewJob => ({
  ...camelCaseKeys(body),
  address: camelCaseKeys(body.address),
  homeowner: camelCaseKeys(body.homeowner),
  createdByTechnicianId: body.created_by_technician_id ?? null,
  category: body.category ?? null,
  deliverAfter: body.deliver_after ?? null
})

/** The services the job routes may use. */
export type JobServices = ArchiveRepo | CompanyDirectory | JobIntake | JobRepo | MatchSettings | OutboxRepo | Transactions

/** Jobs: intake (matching and the outbox write), reading, listing and canceling; and the matching preview. */
export const jobRoutes = (run: Run<JobServices>) => {
  const routes = routesTagged("jobs")
  const matching = routesTagged("matching", routes.router)
  routes.router.openAPIRegistry.register("BulkJob", BulkJobDoc)

  routes.post("/jobs", {
    summary: "Accept a job: match it and route it to the best companies",
    description: "The job, its routings and their outbox events are written in one transaction. " +
      "The same `Idempotency-Key` and body within 24 h answers the same job; another body answers 409. With a " +
      "`deliver_after` ahead, the routings are `scheduled` until then.",
    request: { headers: IdempotencyHeaders, body: json(CreateJobBody) },
    responses: { 201: answers("The job with its routings", JobView) },
    extraErrors: [409, 422]
  }, async (c) => {
    const { job } = await run(c, createJob(newJobOf(c.req.valid("json")), c.req.valid("header")["idempotency-key"] ?? null))
    c.header("Location", `/jobs/${job.id}`)
    return c.json(jobView(job), 201)
  })

  routes.post("/jobs/bulk", {
    summary: "Accept up to 100 jobs at once, each standing or failing on its own",
    description: "Each job is checked, matched and written as by `POST /jobs` (with its own `idempotency_key` in " +
      "place of the header), counted and traced as one (a trace of its own, linked to the bulk's); once all are " +
      "checked they go to the intake together, in one transaction. The answer gives, in order, each job's status: " +
      "201 with the job, or the status and error `POST /jobs` would have answered. Jobs of one bulk sharing a key " +
      "are answered as if sent one after the other. Bodies up to 1 MB; only a list that is not 1 to 100 objects " +
      "is refused whole (400), and a bulk none of whose jobs could be written because the database is down " +
      "answers 503 as a whole. A bulk counts as its jobs against `HTTP_MAX_IN_FLIGHT`.",
    request: { body: json(BulkJobsBody) },
    responses: { 200: answers("Each job's result, in the order sent", BulkResultsView) }
  }, async (c) => {
    const checked = c.req.valid("json").jobs.map((item) => {
      const { idempotency_key: _, ...fields } = item
      const key = BulkJobKey.safeParse(item)
      const body = CreateJobBody.safeParse(fields)
      return key.success && body.success
        ? Either.right({ job: newJobOf(body.data), idempotencyKey: key.data.idempotency_key ?? null })
        : Either.left([...(key.success ? [] : zodDetails(key.error)), ...(body.success ? [] : zodDetails(body.error))])
    })
    const outcomes = (await run(c, createJobs(checked.flatMap((job) => Either.isRight(job) ? [job.right] : []))))
      .map((outcome) => Either.mapLeft(outcome, fromFailure))
    // Nothing accepted and the storage or broker down: the whole bulk answers as POST /jobs would, to be sent again.
    const [down] = outcomes.flatMap((outcome) => Either.isLeft(outcome) && outcome.left.status >= 500 ? [outcome.left] : [])
    if (down !== undefined && !outcomes.some(Either.isRight)) throw down
    let next = 0
    const results = checked.map((job, index) => {
      if (Either.isLeft(job)) return { index, status: 400, error: bodyOf(HttpAnswers.validationError("invalid job", job.left)).error }
      const outcome = outcomes[next++]!
      if (Either.isRight(outcome)) return { index, status: 201, job: jobView(outcome.right.job) }
      return { index, status: outcome.left.status, error: bodyOf(outcome.left).error }
    })
    return c.json({ results }, 200)
  })

  routes.get("/jobs", {
    summary: "List jobs, newest first",
    description: "A company key sees the jobs its company created or received a routing for. The filters combine " +
      "(all must hold), and pages follow `next_cursor` with any of them. With a company key, `routing_status` and " +
      "`external_id` look only at the routings it sees (of a job it did not create, its own).",
    request: { query: JobQuery.extend(PageQuery.shape) },
    responses: { 200: answers("A page of jobs", pageOf(JobView)) }
  }, async (c) => {
    const q = c.req.valid("query")
    const page = await run(c, listJobs({
      status: q.status ?? null,
      companyId: q.company_id ?? null,
      createdAfter: q.created_after ?? null,
      priority: q.priority ?? null,
      createdBefore: q.created_before ?? null,
      search: q.q ?? null,
      externalId: q.external_id ?? null,
      routingStatus: q.routing_status ?? null,
      ...askedPage(q)
    }))
    return c.json(pageView(page, jobView), 200)
  })

  routes.get("/jobs/{id}", {
    summary: "One job with its routings",
    description: "Finished jobs moved to the archive are still found here, with `archived: true`.",
    request: { params: IdParam },
    responses: { 200: answers("The job", JobView) },
    withoutErrors: [403]
  }, async (c) => c.json(foundJobView(await run(c, getJob(c.req.valid("param").id))), 200))

  routes.post("/jobs/{id}/cancel", {
    summary: "Cancel every routing not yet delivered",
    description: "A completed or archived job answers 409.",
    request: { params: IdParam },
    responses: { 200: answers("The job", JobView) },
    extraErrors: [409]
  }, async (c) => c.json(jobView(await run(c, cancelJob(c.req.valid("param").id))), 200))

  matching.post("/matching/preview", {
    summary: "The companies a job would be routed to; nothing is written",
    request: { body: json(PreviewBody) },
    responses: { 200: answers("Matches, best first, and the companies left out for their service areas", PreviewView) },
    withoutErrors: [403]
  }, async (c) => {
    const body = c.req.valid("json")
    const preview = await run(
      c,
      previewMatches(
        { requiredSkills: body.required_skills, skillLevels: body.skill_levels, category: body.category ?? null },
        body.created_by_company_id ?? null,
        jobZip(body.address?.zip_code)
      )
    )
    return c.json({ matches: preview.matches.map(matchView), excluded: preview.excluded.map(exclusionView) }, 200)
  })

  return routes.router
}
