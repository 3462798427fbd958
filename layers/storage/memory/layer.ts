import { Layer } from "effect"
import { layerAlerts } from "./alerts.ts"
import { layerArchive } from "./archive.ts"
import { layerCircuits } from "./circuits.ts"
import { layerCompanies, layerTechnicians } from "./companies.ts"
import { layerCompanyIndex } from "./companyIndex.ts"
import { layerJobs } from "./jobs.ts"
import { layerApiKeys } from "./apiKeys.ts"
import { layerIdempotency } from "./idempotency.ts"
import { layerMockLeads } from "./mockLeads.ts"
import { layerOutbox } from "./outbox.ts"
import { layerPartitions } from "./partitions.ts"
import { layerRoutings } from "./routings.ts"
import { layerReports } from "./reports.ts"
import { layerSla } from "./sla.ts"
import { layerStore, layerTransactions } from "./store.ts"
import { layerWebhooks } from "./webhooks.ts"

/** Every repository in memory, sharing one store; for program tests. */
export const layerMemory = Layer.mergeAll(
  layerCompanies,
  layerTechnicians,
  layerCompanyIndex,
  layerJobs,
  layerApiKeys,
  layerOutbox,
  layerIdempotency,
  layerRoutings,
  layerMockLeads,
  layerSla,
  layerReports,
  layerArchive,
  layerWebhooks,
  layerPartitions,
  layerCircuits,
  layerAlerts,
  layerTransactions
).pipe(Layer.provideMerge(layerStore))
