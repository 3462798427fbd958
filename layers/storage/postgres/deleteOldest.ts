import { Effect } from "effect"
import type { Db } from "../Db.ts"

/** Rows of a table that grow old: the table, the timestamp that ages them, their key, and which of them may go. */
export interface AgingRows {
  readonly table: string
  readonly column: string
  /** The primary key's columns: the deleted rows are matched on them. */
  readonly key: ReadonlyArray<string>
  /** A further condition on the rows that may go, in SQL over the table's columns (a constant of the code). */
  readonly only?: string
}

/**
 * Deletes up to `limit` of the rows whose `column` is before `before`, oldest first, in one statement; rows another
 * transaction holds are skipped (`FOR UPDATE SKIP LOCKED`), so sweeps running at once share the work, and a row changed
 * meanwhile is looked at again as it now is. Answers how many it deleted.
 */
export const deleteOldest = (db: Db["Type"], name: string, rows: AgingRows) => (before: Date, limit: number) =>
  db.query<ReadonlyArray<{ deleted: number }>>(name, (sql) => {
    const key = rows.key.join(", ")
    const same = rows.key.map((column) => `t.${column} = d.${column}`).join(" and ")
    return sql`
      with doomed as (
        select ${sql.unsafe(key)} from ${sql(rows.table)}
        where ${sql(rows.column)} < ${before} ${rows.only === undefined ? sql`` : sql`and ${sql.unsafe(rows.only)}`}
        order by ${sql(rows.column)}
        limit ${limit}
        for update skip locked
      ), deleted as (
        delete from ${sql(rows.table)} t using doomed d where ${sql.unsafe(same)} returning 1
      )
      select count(*)::int as deleted from deleted`
  }).pipe(Effect.map((found) => found[0]?.deleted ?? 0))
