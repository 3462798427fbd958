import { Effect, Layer } from "effect"
import { Transactions } from "../../../src/services/Transactions.ts"
import { Db } from "../Db.ts"
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
import * as Routings from "./routings.ts"
import * as Reports from "./reports.ts"
import * as Sla from "./sla.ts"
import * as Technicians from "./technicians.ts"
import * as Webhooks from "./webhooks.ts"

const transactions = Layer.effect(
  Transactions,
  Effect.map(Db, (db) => Transactions.of({ run: db.transaction, runAhead: db.transactionAhead, runIntake: db.transactionIntake }))
)

/** Every repository on PostgreSQL, given a `Db`. */
export const layer = Layer.mergeAll(
  Companies.layer,
  Technicians.layer,
  CompanyIndex.layer,
  ApiKeys.layer,
  Routings.layer.pipe(Layer.provideMerge(Jobs.layer)),
  Outbox.layer,
  Idempotency.layer,
  MockLeads.layer,
  Sla.layer,
  Reports.layer,
  Archive.layer,
  Webhooks.layer,
  Partitions.layer,
  Circuits.layer,
  Alerts.layer,
  transactions
)
