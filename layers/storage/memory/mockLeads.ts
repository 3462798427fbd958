import { Effect, Option } from "effect"
import { MockLeadStore } from "../../../src/services/MockLeads.ts"
import { repository } from "./store.ts"

/** The mock provider's leads in the memory store; what the PostgreSQL layer does. */
export const layerMemory = repository(MockLeadStore, (store) =>
  MockLeadStore.of({
    record: (leads) => Effect.sync(() => void store.state.mockLeads.push(...leads)),
    findByExternalId: (companyId, externalId) =>
      Effect.sync(() =>
        Option.fromNullable(store.state.mockLeads.find((l) => l.companyId === companyId && l.externalId === externalId))
      ),
    findByLeadIds: (companyId, leadIds) =>
      Effect.sync(() => store.state.mockLeads.filter((l) => l.companyId === companyId && leadIds.includes(l.leadId))),
    list: (companyId, limit) =>
      Effect.sync(() => {
        const leads = store.state.mockLeads.filter((l) => companyId === null || l.companyId === companyId)
        const distinct = new Set(leads.map((l) => `${l.companyId}/${l.externalId}`)).size
        return { items: [...leads].reverse().slice(0, limit), total: leads.length, duplicates: leads.length - distinct }
      }),
    deleteReceivedBefore: (before, limit) =>
      Effect.sync(() => {
        const doomed = new Set(
          [...store.state.mockLeads].filter((l) => l.receivedAt < before)
            .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
            .slice(0, limit)
        )
        store.state.mockLeads = store.state.mockLeads.filter((l) => !doomed.has(l))
        return doomed.size
      })
  }))
