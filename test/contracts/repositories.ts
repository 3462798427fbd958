import type { ApiKeyRepo } from "../../src/services/ApiKeys.ts"
import type { CompanyRepo, TechnicianRepo } from "../../src/services/Companies.ts"
import type { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import type { JobRepo } from "../../src/services/Jobs.ts"
import type { MockLeadStore } from "../../src/services/MockLeads.ts"
import type { OutboxRepo } from "../../src/services/Outbox.ts"
import type { RoutingRepo } from "../../src/services/Routings.ts"
import type { Transactions } from "../../src/services/Transactions.ts"

/** The repositories every storage layer provides, which the repository contracts run against. */
export type Repositories =
  | CompanyRepo
  | TechnicianRepo
  | ApiKeyRepo
  | JobRepo
  | OutboxRepo
  | IdempotencyRepo
  | RoutingRepo
  | MockLeadStore
  | Transactions
