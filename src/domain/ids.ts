import { Effect, Schema } from "effect"

/** A UUID branded as the id of one kind of thing, so ids of different kinds never mix. */
const uuidBranded = <B extends string>(brand: B) => Schema.UUID.pipe(Schema.brand(brand))

export const CompanyId = uuidBranded("CompanyId")
export const TechnicianId = uuidBranded("TechnicianId")
export const JobId = uuidBranded("JobId")
export const RoutingId = uuidBranded("RoutingId")
export const ApiKeyId = uuidBranded("ApiKeyId")
export const EventId = uuidBranded("EventId")

export type CompanyId = typeof CompanyId.Type
export type TechnicianId = typeof TechnicianId.Type
export type JobId = typeof JobId.Type
export type RoutingId = typeof RoutingId.Type
export type ApiKeyId = typeof ApiKeyId.Type
export type EventId = typeof EventId.Type

/** A fresh random (v4) UUID carrying the brand of the id it will become. */
export const newId = <A>(schema: { readonly make: (uuid: string) => A }) =>
  Effect.sync(() => schema.make(crypto.randomUUID()))
