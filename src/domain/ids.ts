import { Effect, Schema } from "effect"

export const CompanyId = Schema.UUID.pipe(Schema.brand("CompanyId"))
export type CompanyId = typeof CompanyId.Type

export const TechnicianId = Schema.UUID.pipe(Schema.brand("TechnicianId"))
export type TechnicianId = typeof TechnicianId.Type

export const JobId = Schema.UUID.pipe(Schema.brand("JobId"))
export type JobId = typeof JobId.Type

export const RoutingId = Schema.UUID.pipe(Schema.brand("RoutingId"))
export type RoutingId = typeof RoutingId.Type

export const ApiKeyId = Schema.UUID.pipe(Schema.brand("ApiKeyId"))
export type ApiKeyId = typeof ApiKeyId.Type

export const EventId = Schema.UUID.pipe(Schema.brand("EventId"))
export type EventId = typeof EventId.Type

/** A fresh random (v4) UUID carrying the brand of the id it will become. */
export const newId = <A>(schema: { readonly make: (uuid: string) => A }) =>
  Effect.sync(() => schema.make(crypto.randomUUID()))
