import { Effect, Option, Schema } from "effect"
import {
  Company,
  ProviderAssociation,
  ProviderConfig,
  ProviderType,
  type SealedSecret
} from "../../../src/domain/company.ts"
import { CompanyId } from "../../../src/domain/ids.ts"
import type { CompanySkill } from "../../../src/domain/skills.ts"
import { CompanyRepo } from "../../../src/services/Companies.ts"
import type { Sql } from "../Db.ts"
import { repository } from "./repository.ts"
import { columnChanges, columnsOf, rowInsert, rowOf } from "./rows.ts"

/** A provider association as the select shows it: the sealed credentials in two nullable columns. */
const ProviderRow = Schema.transform(
  Schema.Struct({
    type: ProviderType,
    config: ProviderConfig,
    key_id: Schema.NullOr(Schema.String),
    sealed: Schema.NullOr(Schema.String),
    active: Schema.Boolean
  }),
  ProviderAssociation,
  {
    strict: true,
    decode: (row) => ({
      type: row.type,
      config: row.config,
      credentials: row.key_id !== null && row.sealed !== null ? { keyId: row.key_id, data: row.sealed } : null,
      active: row.active
    }),
    encode: (provider) => ({
      type: provider.type,
      config: provider.config,
      key_id: provider.credentials?.keyId ?? null,
      sealed: provider.credentials?.data ?? null,
      active: provider.active
    })
  }
)

/** The `companies` table: a company's fields but its skills and provider, which have tables of their own. */
const CompanyColumns = rowOf(Company.omit("skills", "provider"))
const columns = columnsOf(Company.omit("skills", "provider"))

/** A company as `selectCompanies` reads it: its columns, its skills and its provider. */
const CompanyRow = rowOf(Schema.Struct({ ...Company.fields, provider: Schema.NullOr(ProviderRow) }))

const selectCompanies = (sql: Sql) =>
  sql`
    select ${sql(columns)},
      coalesce((
        select json_agg(json_build_object('skill', s.skill, 'level', s.level, 'primary', s.is_primary) order by s.position)
        from company_skills s where s.company_id = c.id
      ), '[]'::json) as skills,
      (
        select json_build_object('type', p.type, 'config', p.config, 'key_id', p.credentials_key_id,
          'sealed', p.credentials_sealed, 'active', p.active)
        from company_providers p where p.company_id = c.id
      ) as provider
    from companies c`

const CredentialsRow = Schema.Struct({ key_id: Schema.NullOr(Schema.String), sealed: Schema.NullOr(Schema.String) })

const TargetRow = Schema.Struct({
  company_id: CompanyId,
  rate_limit_per_minute: Schema.Int,
  delivery_concurrency: Schema.Int,
  delivery_paused: Schema.Boolean,
  poll_interval_seconds: Schema.NullOr(Schema.Int),
  poll_schedule: Schema.NullOr(Schema.String),
  time_zone: Schema.NullOr(Schema.String)
})

const skillRows = (companyId: CompanyId, skills: ReadonlyArray<CompanySkill>) =>
  skills.map((s, position) => ({ company_id: companyId, skill: s.skill, level: s.level, is_primary: s.primary, position }))

/** Companies on PostgreSQL: `companies`, their skills, providers and sealed credentials. */
export const layer = repository(
  CompanyRepo,
  (db) => {
    const insertColumns = rowInsert(db, CompanyColumns, "companies", "companies.insert")

    const replaceCredentials = (id: CompanyId, type: ProviderType, credentials: SealedSecret, now: Date) =>
      db.query("companies.replaceCredentials", (sql) =>
        sql`
          update company_providers set credentials_key_id = ${credentials.keyId}, credentials_sealed = ${credentials.data},
            updated_at = ${now}
          where company_id = ${id} and type = ${type}`)

    const get = (id: CompanyId) =>
      db.rows("companies.get", CompanyRow, (sql) => sql`${selectCompanies(sql)} where c.id = ${id}`).pipe(
        Effect.map((rows) => Option.fromNullable(rows[0]))
      )

    const writeSkills = (id: CompanyId, skills: ReadonlyArray<CompanySkill>) =>
      skills.length === 0
        ? Effect.void
        : db.query("companies.insertSkills", (sql) =>
          sql`insert into company_skills ${sql(skillRows(id, skills), "company_id", "skill", "level", "is_primary", "position")}`)

    const writeProvider = (company: Pick<Company, "id" | "provider">, now: Date) => {
      const provider = company.provider
      return provider === null
        ? db.query("companies.deleteProvider", (sql) => sql`delete from company_providers where company_id = ${company.id}`)
        : db.query("companies.upsertProvider", (sql) =>
          sql`
            insert into company_providers
              (company_id, type, config, credentials_key_id, credentials_sealed, active, created_at, updated_at)
            values (${company.id}, ${provider.type}, ${sql.json(provider.config as never)},
              ${provider.credentials?.keyId ?? null}, ${provider.credentials?.data ?? null}, ${provider.active}, ${now}, ${now})
            on conflict (company_id) do update set
              type = excluded.type, config = excluded.config, credentials_key_id = excluded.credentials_key_id,
              credentials_sealed = excluded.credentials_sealed, active = excluded.active, updated_at = excluded.updated_at`)
    }

    /** Recomputes whether the company may be matched, on those of its skill rows where that changed. */
    const refreshEligibility = (id: CompanyId) =>
      db.query("companies.refreshEligibility", (sql) =>
        sql`
          update company_skills s set eligible = (c.status = 'active' and coalesce(p.active, false))
          from companies c left join company_providers p on p.company_id = c.id
          where c.id = ${id} and s.company_id = c.id
            and s.eligible <> (c.status = 'active' and coalesce(p.active, false))`)

    /** Stamps updated_at and answers whether the company exists. */
    const touch = (id: CompanyId, now: Date) =>
      db.query("companies.touch", (sql) => sql`update companies set updated_at = ${now} where id = ${id} returning id`).pipe(
        Effect.map((rows) => rows.length > 0)
      )

    /** Runs `change` only when the company exists (after touching it), then answers the company as it is now. */
    const changeExisting = <E>(id: CompanyId, now: Date, change: Effect.Effect<unknown, E>) =>
      db.transaction(
        Effect.gen(function*() {
          if (!(yield* touch(id, now))) return Option.none<Company>()
          yield* change
          yield* refreshEligibility(id)
          return yield* get(id)
        })
      )

    return CompanyRepo.of({
      insert: (company) =>
        db.transaction(Effect.gen(function*() {
          yield* insertColumns(company)
          yield* writeSkills(company.id, company.skills)
          if (company.provider !== null) yield* writeProvider(company, company.createdAt)
          yield* refreshEligibility(company.id)
        })),

      get,

      exists: (id) =>
        db.query("companies.exists", (sql) => sql`select 1 from companies where id = ${id}`).pipe(
          Effect.map((rows) => rows.length > 0)
        ),

      list: (query) =>
        db.rows("companies.list", CompanyRow, (sql) =>
          sql`
            ${selectCompanies(sql)}
            where true
              ${query.status === null ? sql`` : sql`and c.status = ${query.status}`}
              ${
            query.skill === null
              ? sql``
              : sql`and exists (select 1 from company_skills s where s.company_id = c.id and s.skill = ${query.skill})`
          }
              ${query.after === null ? sql`` : sql`and (c.created_at, c.id) < (${query.after.createdAt}, ${query.after.id})`}
            order by c.created_at desc, c.id desc
            limit ${query.limit}`),

      update: (id, changes, now) =>
        changeExisting(
          id,
          now,
          Effect.suspend(() => {
            const set = columnChanges(changes)
            return Object.keys(set).length === 0
              ? Effect.void
              : db.query("companies.update", (sql) => sql`update companies set ${sql(set)} where id = ${id}`)
          })
        ),

      replaceSkills: (id, skills, now) =>
        changeExisting(
          id,
          now,
          db.query("companies.deleteSkills", (sql) => sql`delete from company_skills where company_id = ${id}`).pipe(
            Effect.zipRight(writeSkills(id, skills))
          )
        ),

      setProvider: (id, provider, now) => changeExisting(id, now, writeProvider({ id, provider }, now)),

      // The row lock is the cross-process lock: another replica's rotation (and an operator's change of the association)
      // waits for this transaction, then reads what it stored.
      rotateCredentials: (id, type, rotate) =>
        db.transaction(Effect.gen(function*() {
          const rows = yield* db.rows("companies.lockCredentials", CredentialsRow, (sql) =>
            sql`
              select credentials_key_id as key_id, credentials_sealed as sealed from company_providers
              where company_id = ${id} and type = ${type} for update`)
          const row = rows[0]
          const current = row?.key_id != null && row.sealed !== null ? Option.some({ keyId: row.key_id, data: row.sealed }) : Option.none()
          const { replace, result } = yield* rotate(current)
          if (Option.isSome(replace)) yield* replaceCredentials(id, type, replace.value.credentials, replace.value.now)
          return result
        })),

      deliveryTargets: db.rows("companies.deliveryTargets", TargetRow, (sql) =>
        sql`
          select c.id as company_id, c.rate_limit_per_minute, c.delivery_concurrency, c.delivery_paused,
            c.poll_interval_seconds, c.poll_schedule, c.time_zone
          from companies c join company_providers p on p.company_id = c.id and p.active`).pipe(
          Effect.map((rows) =>
            rows.map((r) => ({
              companyId: r.company_id,
              rateLimitPerMinute: r.rate_limit_per_minute,
              concurrency: r.delivery_concurrency,
              paused: r.delivery_paused,
              pollIntervalSeconds: r.poll_interval_seconds,
              pollSchedule: r.poll_schedule,
              timeZone: r.time_zone
            }))
          )
        ),

      // The company index's counter moves with every change to a company (and technician), in commit order.
      version: db.query<ReadonlyArray<{ version: string }>>("companies.version", (sql) =>
        sql`select version::text as version from company_index_version`).pipe(
          Effect.map((rows) => rows[0]?.version ?? "")
        )
    })
  }
)
