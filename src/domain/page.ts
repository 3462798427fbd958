import { Effect, Option, Schema } from "effect"
import { isStorableDate } from "./time.ts"

/** Where a newest-first page ends: the last item's creation time and id. */
export const PageCursor = Schema.Struct({
  createdAt: Schema.Date.pipe(Schema.filter(isStorableDate, { message: () => "date out of range" })),
  id: Schema.UUID
})
export type PageCursor = typeof PageCursor.Type

const CursorFromString = Schema.compose(Schema.StringFromBase64Url, Schema.parseJson(PageCursor))

export const encodeCursor = (cursor: PageCursor): string => Schema.encodeSync(CursorFromString)(cursor)

/** Decodes a cursor a client sent back; none when it is not one of ours. */
export const decodeCursor = (text: string): Option.Option<PageCursor> =>
  Schema.decodeUnknownOption(CursorFromString)(text)

/** Which page of a newest-first list: at most `limit` items, after the cursor when one is given. */
export interface PageQuery {
  readonly limit: number
  readonly after: PageCursor | null
}

/** Splits `limit + 1` fetched rows into the page and the cursor to the next one. */
export const toPage = <A extends { readonly id: string; readonly createdAt: Date }>(
  rows: ReadonlyArray<A>,
  limit: number
): { readonly items: ReadonlyArray<A>; readonly nextCursor: string | null } => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null
  }
}

/** A page of a newest-first list: `list` is asked for one row more than `limit`, to know whether another page follows. */
export const readPage = <A extends { readonly id: string; readonly createdAt: Date }, Q extends { readonly limit: number }, E, R>(
  list: (query: Q) => Effect.Effect<ReadonlyArray<A>, E, R>,
  query: Q
) => Effect.map(list({ ...query, limit: query.limit + 1 }), (rows) => toPage(rows, query.limit))
