import { Schema } from "effect"
import { CompanyId } from "./ids.ts"

/** A company actor's state as replicas share it with each other (through their heartbeats), dates as ISO strings. */
export const ActorStatusJson = Schema.Struct({
  companyId: CompanyId,
  consumer: Schema.String,
  paused: Schema.Boolean,
  rateLimitedUntil: Schema.NullOr(Schema.Date),
  inFlight: Schema.Int,
  held: Schema.Int,
  circuit: Schema.Literal("closed", "open", "half_open"),
  tokens: Schema.NullOr(Schema.Number),
  lastError: Schema.NullOr(Schema.String)
})
