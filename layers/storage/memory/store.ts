import { Context, Effect, FiberRef, Layer } from "effect"
import type { ApiKey } from "../../../src/domain/apiKey.ts"
import type { Company, Technician } from "../../../src/domain/company.ts"
import type { OutboxEvent } from "../../../src/domain/events.ts"
import type { ApiKeyId, CompanyId, JobId, RoutingId, TechnicianId } from "../../../src/domain/ids.ts"
import type { Job } from "../../../src/domain/job.ts"
import type { PageCursor } from "../../../src/domain/page.ts"
import type { MockLead } from "../../../src/services/MockLeads.ts"
import type { ArchivedJob } from "../../../src/services/Archive.ts"
import type { ReplicaRecord } from "../../../src/services/Partitions.ts"
import type { OpenCircuit } from "../../../src/services/Circuits.ts"
import type { Alert, CircuitAnnounced } from "../../../src/domain/alerts.ts"
import type { RoutingAttempt } from "../../../src/services/Routings.ts"
import { Transactions } from "../../../src/services/Transactions.ts"
import type { MemoryWebhooks } from "./webhooks.ts"

export interface MemoryState {
  companies: Map<CompanyId, Company>
  technicians: Map<TechnicianId, Technician>
  apiKeys: Map<ApiKeyId, ApiKey>
  jobs: Map<JobId, Job>
  outbox: Map<string, OutboxEvent & { readonly publishedAt: Date | null }>
  idempotency: Map<string, { readonly requestHash: string; response: unknown; readonly createdAt: Date }>
  /** Delivery state of routings that the domain `Routing` does not carry. */
  leases: Map<RoutingId, { readonly leaseUntil: Date | null; readonly needsLookup: boolean; readonly rateLimitedSince: Date | null }>
  attempts: Map<RoutingId, Array<RoutingAttempt>>
  mockLeads: Array<MockLead>
  /** When each routing's SLA breach was logged. */
  slaBreachLogged: Map<RoutingId, Date>
  /** Jobs moved out of `jobs` by the archive run. */
  archivedJobs: Map<JobId, ArchivedJob>
  /** When each delivered routing's lead was last polled. */
  lastPolled: Map<RoutingId, Date>
  /** Webhook subscriptions, their deliveries and attempts. */
  webhooks: MemoryWebhooks
  /** The company index's version, and the version of each company's and technician's last change. */
  indexVersion: number
  companyIndexVersions: Map<CompanyId, number>
  technicianIndexVersions: Map<TechnicianId, number>
  /** Registered replicas, and each partition's lease (`leaseUntil` in epoch milliseconds). */
  replicas: Map<string, ReplicaRecord>
  partitionLeases: Map<number, { owner: string | null; epoch: number; leaseUntil: number }>
  /** The companies' open circuits. */
  openCircuits: Map<CompanyId, OpenCircuit>
  /** Alerts, open and resolved, in the order they were opened. */
  alerts: Array<Alert>
  /** The circuit state last announced for each company, and when. */
  circuitAnnouncements: Map<CompanyId, { readonly state: CircuitAnnounced; readonly at: Date }>
}

const emptyState = (): MemoryState => ({
  companies: new Map(),
  technicians: new Map(),
  apiKeys: new Map(),
  jobs: new Map(),
  outbox: new Map(),
  idempotency: new Map(),
  leases: new Map(),
  attempts: new Map(),
  mockLeads: [],
  slaBreachLogged: new Map(),
  archivedJobs: new Map(),
  lastPolled: new Map(),
  webhooks: { hooks: new Map(), deliveries: [], attempts: [] },
  indexVersion: 0,
  companyIndexVersions: new Map(),
  technicianIndexVersions: new Map(),
  replicas: new Map(),
  partitionLeases: new Map(),
  openCircuits: new Map(),
  alerts: [],
  circuitAnnouncements: new Map()
})

/** Records a change to a company for the company index. */
export const stampCompany = (state: MemoryState, id: CompanyId) => {
  state.indexVersion += 1
  state.companyIndexVersions.set(id, state.indexVersion)
}

/** Records a new technician for the company index. */
export const stampTechnician = (state: MemoryState, id: TechnicianId) => {
  state.indexVersion += 1
  state.technicianIndexVersions.set(id, state.indexVersion)
}

/** The data of the in-memory repositories, shared by all of them so that a transaction can cover every one. */
export class MemoryStore extends Context.Tag("MemoryStore")<MemoryStore, { state: MemoryState }>() {}

const inTransaction = FiberRef.unsafeMake(false)

/** A repository in the memory store: `make` builds the service of `tag` over the store it is given. */
export const repository = <Id, S>(
  tag: Context.Tag<Id, S>,
  make: (store: Context.Tag.Service<MemoryStore>) => S
): Layer.Layer<Id, never, MemoryStore> => Layer.effect(tag, Effect.map(MemoryStore, make))

/**
 * Transactions over the memory store: one at a time, and a failed one puts back the state it started from. A write made
 * outside any transaction while one is open is undone with it; the memory layers serve tests and do not do that.
 */
export const layerTransactions = Layer.effect(
  Transactions,
  Effect.gen(function*() {
    const store = yield* MemoryStore
    const lock = yield* Effect.makeSemaphore(1)
    const run = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.flatMap(FiberRef.get(inTransaction), (nested) =>
        nested ? self : lock.withPermits(1)(
          Effect.suspend(() => {
            const snapshot = structuredClone(store.state)
            return Effect.locally(self, inTransaction, true).pipe(
              Effect.onExit((exit) => Effect.sync(() => {
                if (exit._tag === "Failure") store.state = snapshot
              }))
            )
          })
        ))
    return Transactions.of({ run, runAhead: run, runIntake: run })
  })
)

export const layerStore = Layer.sync(MemoryStore, () => ({ state: emptyState() }))

/** Newest first, as the PostgreSQL repositories order pages. */
export const newestFirst = <A extends { readonly createdAt: Date; readonly id: string }>(a: A, b: A): number =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** True when `item` comes after the cursor in newest-first order. */
export const isAfter = (item: { readonly createdAt: Date; readonly id: string }, cursor: PageCursor | null): boolean =>
  cursor === null ||
  item.createdAt.getTime() < cursor.createdAt.getTime() ||
  (item.createdAt.getTime() === cursor.createdAt.getTime() && item.id < cursor.id)
