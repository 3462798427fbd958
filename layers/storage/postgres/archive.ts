import { Effect, Option, Schema } from "effect"
import type { JobId } from "../../../src/domain/ids.ts"
import { ArchiveRepo } from "../../../src/services/Archive.ts"
import { repository } from "./repository.ts"
import { deleteOldest } from "./deleteOldest.ts"
import { column } from "./decode.ts"
import { JobJson, routingJsonFields } from "./jobRows.ts"

/** The columns this service reads back from an archived document; columns added later are kept but not read. */
const AttemptJson = Schema.Struct({
  at: Schema.Date,
  outcome: Schema.String,
  duration_ms: Schema.Int,
  error: Schema.NullOr(Schema.String)
})

const ArchivedRow = Schema.Struct({
  archived_at: Schema.DateFromSelf,
  document: Schema.Struct({
    job: JobJson,
    routings: Schema.Array(Schema.Struct({ ...routingJsonFields, attemptsLog: column(Schema.Array(AttemptJson), "attempts_log") }))
  })
})

/** The archive on PostgreSQL: `archived_jobs`, filled from and emptied into the live tables in one statement. */
export const layer = repository(ArchiveRepo, (db) =>
  ArchiveRepo.of({
    // One statement, so one transaction: the jobs are locked (skipping those another run holds), copied whole with
    // `to_jsonb`, and deleted, which takes their routings and attempts with them (on delete cascade).
    archiveBatch: (olderThan, archivedAt, limit) =>
      db.query<ReadonlyArray<{ id: JobId }>>("archive.batch", (sql) =>
        sql`
          with picked as (
            select j.id from jobs j
            where j.status in ('completed', 'canceled', 'unmatched') and j.updated_at < ${olderThan}
              and not exists (select 1 from job_routings r where r.job_id = j.id and r.updated_at >= ${olderThan})
            order by j.updated_at, j.id
            limit ${limit}
            for update of j skip locked
          ),
          archived as (
            insert into archived_jobs (id, created_by_company_id, status, created_at, updated_at, archived_at, document)
            select j.id, j.created_by_company_id, j.status, j.created_at, j.updated_at, ${archivedAt},
              jsonb_build_object('job', to_jsonb(j) - 'search_lexemes', 'routings', coalesce((
                select jsonb_agg(to_jsonb(r) || jsonb_build_object('attempts_log', coalesce((
                  select jsonb_agg(to_jsonb(a) order by a.at, a.id) from routing_attempts a where a.routing_id = r.id
                ), '[]'::jsonb)) order by r.position)
                from job_routings r where r.job_id = j.id
              ), '[]'::jsonb))
            from jobs j join picked p on p.id = j.id
            returning id
          )
          delete from jobs j using archived a where j.id = a.id
          returning j.id`).pipe(Effect.map((rows) => rows.map((r) => r.id))),

    deletePublishedOutbox: deleteOldest(db, "archive.deletePublishedOutbox", {
      table: "outbox_events",
      column: "published_at",
      key: ["id"]
    }),

    deleteArchivedBefore: deleteOldest(db, "archive.deleteArchivedBefore", {
      table: "archived_jobs",
      column: "archived_at",
      key: ["id"]
    }),

    findArchivedJob: (id) =>
      db.rows("archive.find", ArchivedRow, (sql) => sql`select archived_at, document from archived_jobs where id = ${id}`).pipe(
        Effect.map((rows) =>
          Option.map(Option.fromNullable(rows[0]), (row) => ({
            job: { ...row.document.job, routings: row.document.routings.map(({ attemptsLog: _, ...routing }) => routing) },
            attempts: new Map(row.document.routings.map((r) => [r.id, r.attemptsLog.map((a) => ({
              at: a.at,
              outcome: a.outcome,
              durationMs: a.duration_ms,
              error: a.error
            }))])),
            archivedAt: row.archived_at
          }))
        )
      )
  })
)
