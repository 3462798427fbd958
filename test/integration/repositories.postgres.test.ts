import { Layer } from "effect"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { alertsContract } from "../contracts/alerts.contract.ts"
import { apiKeyContract } from "../contracts/apiKeys.contract.ts"
import { archiveContract } from "../contracts/archive.contract.ts"
import { bulkRetryContract } from "../contracts/bulkRetry.contract.ts"
import { circuitsContract } from "../contracts/circuits.contract.ts"
import { companyContract } from "../contracts/companies.contract.ts"
import { companyIndexContract } from "../contracts/companyIndex.contract.ts"
import { idempotencyContract } from "../contracts/idempotency.contract.ts"
import { jobContract } from "../contracts/jobs.contract.ts"
import { jobSearchContract } from "../contracts/jobSearch.contract.ts"
import { mockLeadContract } from "../contracts/mockLeads.contract.ts"
import { outboxContract } from "../contracts/outbox.contract.ts"
import { partitionsContract } from "../contracts/partitions.contract.ts"
import { reportsContract } from "../contracts/reports.contract.ts"
import { retentionContract } from "../contracts/retention.contract.ts"
import { routingStatusContract } from "../contracts/routingStatuses.contract.ts"
import { routingContract } from "../contracts/routings.contract.ts"
import { scheduledContract } from "../contracts/scheduled.contract.ts"
import { slaContract } from "../contracts/sla.contract.ts"
import { transactionContract } from "../contracts/transactions.contract.ts"
import { webhookContract } from "../contracts/webhooks.contract.ts"
import { layerFreshDb } from "../support/postgres.ts"

companyContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
apiKeyContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
jobContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
outboxContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
idempotencyContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
transactionContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
routingContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
routingStatusContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
mockLeadContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
slaContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
reportsContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
archiveContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb({ max: 6 }))))
webhookContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
companyIndexContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
retentionContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb({ max: 4 }))))
partitionsContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
circuitsContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
scheduledContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
bulkRetryContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
alertsContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
jobSearchContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
