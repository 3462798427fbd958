import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { make } from "../../layers/providers/mock.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { type MockLead, MockLeadStore } from "../../src/services/MockLeads.ts"
import type { LeadRequest } from "../../src/services/Providers.ts"
import { StorageError } from "../../src/services/StorageError.ts"
import { makeJob, uuid } from "../support/fixtures.ts"
import { makeTestLayer } from "../support/testLayer.ts"

/** A store (a layer) that keeps its leads and each write's size, and fails its writes while `failing` is set. */
const countingStore = () => {
  const leads: Array<MockLead> = []
  const writes: Array<number> = []
  const state = { failing: false }
  const store = makeTestLayer(MockLeadStore)({
    record: (batch) =>
      state.failing
        ? Effect.fail(new StorageError({ operation: "mockLeads.record", unavailable: true, cause: new Error("store down") }))
        : Effect.sync(() => {
          writes.push(batch.length)
          leads.push(...batch)
        }),
    findByExternalId: (companyId, externalId) =>
      Effect.sync(() => Option.fromNullable(leads.find((l) => l.companyId === companyId && l.externalId === externalId))),
    findByLeadIds: (companyId, leadIds) => Effect.sync(() => leads.filter((l) => l.companyId === companyId && leadIds.includes(l.leadId)))
  })
  return { store, leads, writes, state }
}

const requestsFor = (count: number): ReadonlyArray<LeadRequest> => {
  const companyId = CompanyId.make(uuid())
  const job = makeJob(CompanyId.make(uuid()), Array.from({ length: count }, () => companyId))
  return job.routings.map((routing) => ({ companyId, config: {}, credentials: null, routing, job }))
}

describe("mock provider", () => {
  it.scoped("records the leads of concurrent calls in fewer writes than calls, each call answered with its own lead", () =>
    Effect.gen(function*() {
      const { store, leads, writes } = countingStore()
      const client = yield* make.pipe(Effect.provide(store))
      const requests = requestsFor(20)
      const answers = yield* Effect.forEach(requests, client.createLead, { concurrency: "unbounded" })
      expect(new Set(answers.map((a) => a.externalId)).size).toBe(20)
      expect(leads.map((l) => l.externalId).sort()).toEqual(requests.map((r) => r.routing.id).sort())
      expect(writes.reduce((a, b) => a + b, 0)).toBe(20)
      expect(writes.length).toBeLessThan(20)
      const found = yield* Option.getOrThrow(client.findLead)(requests[3]!)
      expect(found).toEqual(Option.some({ externalId: answers[3]!.externalId }))
    }))

  it.scoped("fails every call of a write that fails as retryable with an unknown outcome (it may have committed)", () =>
    Effect.gen(function*() {
      const { store, leads, state } = countingStore()
      const client = yield* make.pipe(Effect.provide(store))
      state.failing = true
      const outcomes = yield* Effect.forEach(requestsFor(5), (r) => Effect.either(client.createLead(r)), { concurrency: "unbounded" })
      expect(outcomes.map((o) => o._tag === "Left" && [o.left.kind, o.left.outcomeUnknown])).toEqual(Array(5).fill(["retryable", true]))
      expect(leads).toEqual([])
    }))
})
