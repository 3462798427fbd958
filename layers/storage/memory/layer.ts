import { Layer } from "effect"
import * as Alerts from "./alerts.ts"
import * as ApiKeys from "./apiKeys.ts"
import * as Archive from "./archive.ts"
import * as Circuits from "./circuits.ts"
import * as Companies from "./companies.ts"
import * as CompanyIndex from "./companyIndex.ts"
import * as Idempotency from "./idempotency.ts"
import * as Jobs from "./jobs.ts"
import * as MockLeads from "./mockLeads.ts"
import * as Outbox from "./outbox.ts"
import * as Partitions from "./partitions.ts"
import * as Reports from "./reports.ts"
import * as Routings from "./routings.ts"
import * as Sla from "./sla.ts"
import * as Technicians from "./technicians.ts"
import * as Webhooks from "./webhooks.ts"
import { layerStore, layerTransactions } from "./store.ts"

/** Every repository in memory, sharing one store; for program tests. */
export const layerMemory = Layer.mergeAll(
  Companies.layerMemory,
  Technicians.layerMemory,
  CompanyIndex.layerMemory,
  Jobs.layerMemory,
  ApiKeys.layerMemory,
  Outbox.layerMemory,
  Idempotency.layerMemory,
  Routings.layerMemory,
  MockLeads.layerMemory,
  Sla.layerMemory,
  Reports.layerMemory,
  Archive.layerMemory,
  Webhooks.layerMemory,
  Partitions.layerMemory,
  Circuits.layerMemory,
  Alerts.layerMemory,
  layerTransactions
).pipe(Layer.provideMerge(layerStore))
