import { Context, type Effect, type Option } from "effect"
import type { CompanyId } from "../domain/ids.ts"
import type { StorageError } from "./StorageError.ts"

/** A lead the mock provider accepted. `externalId` is the reference the service sent: the routing id. */
export interface MockLead {
  readonly leadId: string
  readonly companyId: CompanyId
  readonly externalId: string
  readonly payload: unknown
  readonly receivedAt: Date
}

export interface MockLeadPage {
  readonly items: ReadonlyArray<MockLead>
  readonly total: number
  /** Leads received more than once for one external id; delivery keeps this at 0. */
  readonly duplicates: number
}

/** The mock provider's durable record of the leads it received, so that a crash of the service loses none of it. */
export class MockLeadStore extends Context.Tag("MockLeadStore")<MockLeadStore, {
  /** Records the leads in one write, all or none, in their order. */
  readonly record: (leads: ReadonlyArray<MockLead>) => Effect.Effect<void, StorageError>
  readonly findByExternalId: (companyId: CompanyId, externalId: string) => Effect.Effect<Option.Option<MockLead>, StorageError>
  /** The company's leads with these lead ids; ids it does not have are left out. */
  readonly findByLeadIds: (companyId: CompanyId, leadIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MockLead>, StorageError>
  /** Newest first; `total` and `duplicates` count all of them (of the company, when given). */
  readonly list: (companyId: CompanyId | null, limit: number) => Effect.Effect<MockLeadPage, StorageError>
  /** Deletes up to `limit` leads received before `before`, oldest first; answers how many. */
  readonly deleteReceivedBefore: (before: Date, limit: number) => Effect.Effect<number, StorageError>
}>() {}
