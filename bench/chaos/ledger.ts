import { setTimeout as sleep } from "node:timers/promises"
import type { ApiClient } from "../../test/support/client.ts"
import { withSql } from "../../test/support/e2eTools.ts"

/** Every accepted routing against what the mock provider recorded (`mock_leads.external_id` is the routing id). */
export interface Ledger {
  /** Routings of the jobs that got a 201. */
  readonly routings: number
  /** Of those, the ones with at least one lead. */
  readonly delivered: number
  /** Of those, the ones with no lead. */
  readonly lost: number
  /** Leads beyond the first, over every routing in the database (accepted or not). */
  readonly duplicates: number
  /** What `GET /admin/providers/mock/leads` answers as `duplicates`; null when the service did not answer. */
  readonly adminDuplicates: number | null
  /** Routings in the database that gave up (`failed`). */
  readonly failed: number
  /** Why they gave up: each distinct `last_error`, with how many routings it ended. */
  readonly failedReasons: Readonly<Record<string, number>>
  /** Routings in the database not delivered yet (`pending`, `retrying`, `syncing`), accepted or not. */
  readonly open: number
}

/**
 * Waits until every accepted routing has a lead and no routing in the database is still to deliver (those of jobs
 * whose answer was lost to a crash count too), or `timeoutMs` passes; answers whether it settled.
 */
export const awaitSettled = (databaseUrl: string, routingIds: ReadonlyArray<string>, timeoutMs: number) =>
  withSql(databaseUrl, async (sql) => {
    const ids = [...routingIds]
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const [state] = await sql<Array<{ missing: number; open: number }>>`
        select
          (select count(*)::int from jsonb_array_elements_text(${sql.json(ids)}) as a(id)
             where not exists (select 1 from mock_leads m where m.external_id = a.id)) as missing,
          (select count(*)::int from job_routings where sync_status in ('pending', 'retrying', 'syncing')) as open`
      if (state!.missing === 0 && state!.open === 0) return true
      if (Date.now() > deadline) return false
      await sleep(250)
    }
  })

/** Reads the ledger from the service's database, and the mock's duplicate count from its admin route. */
export const readLedger = async (databaseUrl: string, routingIds: ReadonlyArray<string>, api: ApiClient): Promise<Ledger> => {
  const ids = [...routingIds]
  const [counts] = await withSql(databaseUrl, (sql) =>
    sql<Array<{ delivered: number; lost: number; duplicates: number; failed: number; open: number }>>`
      with leads as (select external_id, count(*)::int as n from mock_leads group by external_id)
      select
        (select count(*)::int from jsonb_array_elements_text(${sql.json(ids)}) as a(id)
           join leads on leads.external_id = a.id) as delivered,
        (select count(*)::int from jsonb_array_elements_text(${sql.json(ids)}) as a(id)
           where not exists (select 1 from leads where leads.external_id = a.id)) as lost,
        (select coalesce(sum(n - 1), 0)::int from leads) as duplicates,
        (select count(*)::int from job_routings where sync_status = 'failed') as failed,
        (select count(*)::int from job_routings where sync_status in ('pending', 'retrying', 'syncing')) as open`)
  const reasons = await withSql(databaseUrl, (sql) =>
    sql<Array<{ reason: string; n: number }>>`
      select coalesce(last_error, 'none recorded') as reason, count(*)::int as n
      from job_routings where sync_status = 'failed' group by 1`)
  const admin = await api.get("/admin/providers/mock/leads?limit=1").catch(() => null)
  return {
    routings: routingIds.length,
    ...counts!,
    failedReasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
    adminDuplicates: admin === null ? null : admin.duplicates
  }
}
