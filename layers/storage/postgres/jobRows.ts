import { Schema } from "effect"
import { Job, Routing } from "../../../src/domain/job.ts"
import { columnsOf, renamingRowOf, rowOf } from "./rows.ts"

/** The one routing column not named after its field: the company is the one that received the routing. */
const ROUTING_RENAMES = { companyId: "company_id_received" } as const

/** A routing as JSON (`json_agg`, `to_jsonb`): timestamps are strings, as the domain encodes them. */
export const RoutingJson = renamingRowOf(Routing, ROUTING_RENAMES)

/** `RoutingJson`'s fields, to read a routing beside columns of other tables. */
export const routingJsonFields = rowOf(Routing, ROUTING_RENAMES).fields

/** A routing's columns, in the order of the domain's fields. */
export const ROUTING_COLUMNS = columnsOf(Routing, ROUTING_RENAMES)

/** A job's own columns as JSON (an archived document): timestamps are strings, as the domain encodes them. */
export const JobJson = renamingRowOf(Job.omit("routings"))

/** A job as a row of its own columns, timestamps as `Date`, beside its routings as JSON. */
export const JobRow = renamingRowOf(Schema.Struct({
  ...Job.fields,
  routings: Schema.Array(RoutingJson),
  deliverAfter: Schema.optionalWith(Schema.NullOr(Schema.DateFromSelf), { default: () => null }),
  createdAt: Schema.DateFromSelf,
  updatedAt: Schema.DateFromSelf
}))
