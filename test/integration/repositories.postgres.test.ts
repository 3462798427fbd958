import { Layer } from "effect"
import { layer as layerPostgresRepos } from "../../layers/storage/postgres/layer.ts"
import { alertsContract } from "../contracts/alerts.contract.ts"
import { archiveContract } from "../contracts/archive.contract.ts"
import { bulkRetryContract } from "../contracts/bulkRetry.contract.ts"
import { circuitsContract } from "../contracts/circuits.contract.ts"
import { companyIndexContract } from "../contracts/companyIndex.contract.ts"
import { jobSearchContract } from "../contracts/jobSearch.contract.ts"
import { partitionsContract } from "../contracts/partitions.contract.ts"
import { reportsContract } from "../contracts/reports.contract.ts"
import { repositoryContract } from "../contracts/repositories.contract.ts"
import { retentionContract } from "../contracts/retention.contract.ts"
import { scheduledContract } from "../contracts/scheduled.contract.ts"
import { slaContract } from "../contracts/sla.contract.ts"
import { webhookContract } from "../contracts/webhooks.contract.ts"
import { layerFreshDb } from "../support/postgres.ts"

repositoryContract("postgresql", layerPostgresRepos.pipe(Layer.provide(layerFreshDb())))
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
