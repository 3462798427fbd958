import { Effect, Option } from "effect"
import type { CompanyId, RoutingId } from "../../../src/domain/ids.ts"
import { toTsquery } from "../../../src/domain/jobSearch.ts"
import { JobRepo } from "../../../src/services/Jobs.ts"
import type { PendingQuery } from "postgres"
import type { Sql } from "../Db.ts"
import { decodeRows } from "./decode.ts"
import { repository } from "./repository.ts"
import { JobRow, ROUTING_COLUMNS } from "./jobRows.ts"

/** `json_build_object`'s arguments for a routing `r`: each column under its own name. */
const ROUTING_OBJECT = ROUTING_COLUMNS.map((name) => `'${name}', r.${name}`).join(", ")

export const selectJobs = (sql: Sql) =>
  sql`
    select j.id, j.summary, j.address, j.homeowner, j.category, j.required_skills, j.skill_levels, j.priority, j.status,
      j.matching_score, j.created_by_company_id, j.created_by_technician_id, j.deliver_after, j.created_at, j.updated_at,
      coalesce((
        select json_agg(json_build_object(${sql.unsafe(ROUTING_OBJECT)}) order by r.position)
        from job_routings r where r.job_id = j.id
      ), '[]'::json) as routings
    from jobs j`

/**
 * The query as an unnamed statement, which PostgreSQL plans with the values at hand. A named (prepared) one may be
 * given a generic plan after five runs, which cannot tell a word on every job from a word on a few (nor a common routing
 * status from a rare one) and would read all the jobs for one or the other.
 */
const planned = <Q extends PendingQuery<any>>(query: Q): Q => {
  ;(query as unknown as { options: { prepare: boolean } }).options.prepare = false
  return query
}

/**
 * The job has a routing `r` that meets `condition`; with `routingsSeenBy`, one that company sees (of a job it did not
 * create, its own). When few routings meet it (`rare`: an external id, a status but `synced`) and the jobs are one
 * company's (`involving`), the jobs are taken from the routings that meet it, those of the company's jobs, rather than
 * testing the newest jobs one by one; `synced`, on most jobs, is found at once by testing them (bench:search measures
 * both).
 */
const withRouting = (
  sql: Sql,
  condition: PendingQuery<any>,
  query: { readonly involving: CompanyId | null; readonly routingsSeenBy?: CompanyId | null | undefined },
  rare: boolean
) => {
  const company = query.routingsSeenBy ?? null
  if (!rare || query.involving === null) {
    return company === null
      ? sql`and exists (select 1 from job_routings r where r.job_id = j.id and ${condition})`
      : sql`and exists (select 1 from job_routings r where r.job_id = j.id and ${condition}
          and (j.created_by_company_id = ${company} or r.company_id_received = ${company}))`
  }
  const received = company === null
    ? sql`r.job_id in (select o.job_id from job_routings o where o.company_id_received = ${query.involving})`
    : sql`r.company_id_received = ${company}`
  return sql`and j.id in (
    select r.job_id from job_routings r where ${received} and ${condition}
    union all
    select r.job_id from job_routings r join jobs c on c.id = r.job_id
    where c.created_by_company_id = ${company ?? query.involving} and ${condition})`
}

/** Rows of `selectJobs` as jobs. */
export const toJobs = decodeRows(JobRow, "jobs")

/** Jobs on PostgreSQL: `jobs`, read with their routings. */
export const layer = repository(JobRepo, (db) =>
  JobRepo.of({
    insert: (jobs) => {
      if (jobs.length === 0) return Effect.void
      const jobRows = jobs.map((job) => ({
        id: job.id,
        summary: job.summary,
        address: job.address,
        homeowner: job.homeowner,
        category: job.category,
        required_skills: job.requiredSkills,
        skill_levels: job.skillLevels,
        priority: job.priority,
        status: job.status,
        matching_score: job.matchingScore,
        created_by_company_id: job.createdByCompanyId,
        created_by_technician_id: job.createdByTechnicianId,
        deliver_after: job.deliverAfter,
        created_at: job.createdAt,
        updated_at: job.updatedAt
      }))
      const routingRows = jobs.flatMap((job) =>
        job.routings.map((r, position) => ({
          id: r.id,
          job_id: job.id,
          company_id_received: r.companyId,
          position,
          score: r.score,
          matched_skills: r.matchedSkills,
          reason: r.reason,
          sync_status: r.syncStatus,
          attempts: r.attempts,
          created_at: r.createdAt,
          updated_at: r.updatedAt
        }))
      )
      // One statement for the jobs and their routings: one round trip, and atomic on its own.
      return db.query("jobs.insert", (sql) =>
        sql`
          with job as (
            insert into jobs (id, summary, address, homeowner, category, required_skills, skill_levels, priority, status,
              matching_score, created_by_company_id, created_by_technician_id, deliver_after, created_at, updated_at)
            select * from jsonb_to_recordset(${sql.json(jobRows as never)}) as j (
              id uuid, summary text, address jsonb, homeowner jsonb, category text, required_skills text[],
              skill_levels jsonb, priority text, status text, matching_score double precision, created_by_company_id uuid,
              created_by_technician_id uuid, deliver_after timestamptz, created_at timestamptz, updated_at timestamptz
            )
            returning id
          )
          insert into job_routings (id, job_id, company_id_received, position, score, matched_skills, reason, sync_status,
            attempts, created_at, updated_at)
          select r.id, job.id, r.company_id_received, r.position, r.score, r.matched_skills, r.reason, r.sync_status,
            r.attempts, r.created_at, r.updated_at
          from job join jsonb_to_recordset(${sql.json(routingRows as never)}) as r (
            id uuid, job_id uuid, company_id_received uuid, position smallint, score double precision, matched_skills text[],
            reason text, sync_status text, attempts integer, created_at timestamptz, updated_at timestamptz
          ) on r.job_id = job.id`).pipe(Effect.asVoid)
    },

    get: (id) =>
      db.query("jobs.get", (sql) => sql`${selectJobs(sql)} where j.id = ${id}`).pipe(
        Effect.flatMap(toJobs),
        Effect.map((jobs) => Option.fromNullable(jobs[0]))
      ),

    list: (query) =>
      db.query("jobs.list", (sql) =>
        planned(sql`
          ${selectJobs(sql)}
          where true
            ${query.status === null ? sql`` : sql`and j.status = ${query.status}`}
            ${
          query.involving === null ? sql`` : sql`and (j.created_by_company_id = ${query.involving}
              or exists (select 1 from job_routings r where r.job_id = j.id and r.company_id_received = ${query.involving}))`
        }
            ${query.createdAfter === null ? sql`` : sql`and j.created_at > ${query.createdAfter}`}
            ${query.priority === null ? sql`` : sql`and j.priority = ${query.priority}`}
            ${query.createdBefore == null ? sql`` : sql`and j.created_at < ${query.createdBefore}`}
            ${
          query.search == null
            ? sql``
            : sql`and j.search_lexemes @@ ${toTsquery(query.search)}::tsquery`
        }
            ${
          query.externalId == null
            ? sql``
            : withRouting(sql, sql`r.external_id = ${query.externalId}`, query, true)
        }
            ${
          query.routingStatus == null
            ? sql``
            : withRouting(sql, sql`r.sync_status = ${query.routingStatus}`, query, query.routingStatus !== "synced")
        }
            ${query.after === null ? sql`` : sql`and (j.created_at, j.id) < (${query.after.createdAt}, ${query.after.id})`}
          order by j.created_at desc, j.id desc
          limit ${query.limit}`)).pipe(Effect.flatMap(toJobs)),

    cancelUndelivered: (id, now) =>
      db.query<ReadonlyArray<{ id: RoutingId }>>("routings.cancelUndelivered", (sql) =>
        sql`
          update job_routings set sync_status = 'canceled', updated_at = ${now}
          where job_id = ${id} and sync_status in ('scheduled', 'pending', 'retrying', 'failed')
          returning id`).pipe(Effect.map((rows) => rows.map((r) => r.id))),

    setStatus: (id, status, now) =>
      db.query("jobs.setStatus", (sql) => sql`update jobs set status = ${status}, updated_at = ${now} where id = ${id}`)
        .pipe(Effect.asVoid)
  })
)
