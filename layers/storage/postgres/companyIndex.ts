import { Effect, Schema } from "effect"
import { CompanyId, TechnicianId } from "../../../src/domain/ids.ts"
import { CompanySkill } from "../../../src/domain/skills.ts"
import { CompanyIndexRepo } from "../../../src/services/CompanyIndexRepo.ts"
import { repository } from "./repository.ts"

const ChangesRow = Schema.Struct({
  version: Schema.Number,
  companies: Schema.Array(Schema.Struct({
    id: CompanyId,
    name: Schema.String,
    skills: Schema.Array(CompanySkill),
    service_areas: Schema.Array(Schema.String)
  })),
  technicians: Schema.Array(Schema.Struct({ id: TechnicianId, company_id: CompanyId }))
})

/** The company index's source on PostgreSQL: the version counter and the rows stamped with it (migrations/0008). */
export const layer = repository(CompanyIndexRepo, (db) =>
  CompanyIndexRepo.of({
    version: db.query<ReadonlyArray<{ version: number }>>("companyIndex.version", (sql) =>
      sql`select version::float8 as version from company_index_version`).pipe(Effect.map((rows) => rows[0]?.version ?? 0)),

    // One statement, so that the version and the rows are of one snapshot.
    changesSince: (since) =>
      db.rows("companyIndex.changes", ChangesRow, (sql) =>
        sql`
          select
            (select version::float8 from company_index_version) as version,
            coalesce((
              select json_agg(json_build_object('id', c.id, 'name', c.name, 'service_areas', c.service_areas, 'skills', coalesce((
                select json_agg(json_build_object('skill', s.skill, 'level', s.level, 'primary', s.is_primary)
                  order by s.position)
                from company_skills s where s.company_id = c.id and s.eligible
              ), '[]'::json)))
              from companies c where c.index_version > ${since}
            ), '[]'::json) as companies,
            coalesce((
              select json_agg(json_build_object('id', t.id, 'company_id', t.company_id))
              from technicians t where t.index_version > ${since}
            ), '[]'::json) as technicians`).pipe(
          Effect.map(([row]) => ({
            version: row!.version,
            companies: row!.companies.map((c) => ({
              id: c.id,
              name: c.name,
              matchableSkills: c.skills,
              serviceAreas: c.service_areas
            })),
            technicians: row!.technicians.map((t) => ({ id: t.id, companyId: t.company_id }))
          }))
        )
  })
)
