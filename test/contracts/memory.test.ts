import { layerMemory } from "../../layers/storage/memory/layer.ts"
import { alertsContract } from "./alerts.contract.ts"
import { apiKeyContract } from "./apiKeys.contract.ts"
import { archiveContract } from "./archive.contract.ts"
import { bulkRetryContract } from "./bulkRetry.contract.ts"
import { circuitsContract } from "./circuits.contract.ts"
import { companyContract } from "./companies.contract.ts"
import { companyIndexContract } from "./companyIndex.contract.ts"
import { idempotencyContract } from "./idempotency.contract.ts"
import { jobContract } from "./jobs.contract.ts"
import { jobSearchContract } from "./jobSearch.contract.ts"
import { mockLeadContract } from "./mockLeads.contract.ts"
import { outboxContract } from "./outbox.contract.ts"
import { partitionsContract } from "./partitions.contract.ts"
import { reportsContract } from "./reports.contract.ts"
import { retentionContract } from "./retention.contract.ts"
import { routingStatusContract } from "./routingStatuses.contract.ts"
import { routingContract } from "./routings.contract.ts"
import { scheduledContract } from "./scheduled.contract.ts"
import { slaContract } from "./sla.contract.ts"
import { transactionContract } from "./transactions.contract.ts"
import { webhookContract } from "./webhooks.contract.ts"

companyContract("memory", layerMemory)
apiKeyContract("memory", layerMemory)
jobContract("memory", layerMemory)
outboxContract("memory", layerMemory)
idempotencyContract("memory", layerMemory)
transactionContract("memory", layerMemory)
routingContract("memory", layerMemory)
routingStatusContract("memory", layerMemory)
mockLeadContract("memory", layerMemory)
slaContract("memory", layerMemory)
reportsContract("memory", layerMemory)
archiveContract("memory", layerMemory)
webhookContract("memory", layerMemory)
companyIndexContract("memory", layerMemory)
retentionContract("memory", layerMemory)
partitionsContract("memory", layerMemory)
circuitsContract("memory", layerMemory)
scheduledContract("memory", layerMemory)
bulkRetryContract("memory", layerMemory)
alertsContract("memory", layerMemory)
jobSearchContract("memory", layerMemory)
