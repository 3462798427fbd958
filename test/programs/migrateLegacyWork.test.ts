import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { currentTopology, provisionStreams } from "../../programs/brokerTopology.ts"
import { migrateLegacyWork } from "../../programs/migrateLegacyWork.ts"
import { Broker } from "../../src/services/Broker.ts"
import { layerMemoryServices } from "../support/services.ts"

const companies = [crypto.randomUUID(), crypto.randomUUID()]

describe("moving per-company work into partitions", () => {
  it.live("deletes the per-company consumers and republishes their messages on the partition subjects, headers kept", () =>
    Effect.gen(function*() {
      const broker = yield* Broker
      const names = yield* currentTopology
      yield* provisionStreams
      for (const companyId of companies) {
        yield* broker.ensureConsumer({
          stream: names.workStream,
          name: `company-${companyId}`,
          filterSubject: `${names.prefix}.company.${companyId}.*`,
          ackWait: Duration.seconds(30),
          maxDeliver: 10
        })
        for (const n of [1, 2]) {
          yield* broker.publish(`${names.prefix}.company.${companyId}.deliver`, new TextEncoder().encode(`${companyId}-${n}`), {
            msgId: `${companyId}-${n}`,
            headers: { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` }
          })
        }
      }
      // One message was delivered to its old consumer and not settled when the old release stopped.
      expect(yield* broker.fetch(names.workStream, `company-${companies[0]}`, { max: 1, expires: Duration.seconds(1) })).toHaveLength(1)

      yield* migrateLegacyWork
      expect((yield* broker.consumers(names.workStream)).map((c) => c.name)).toEqual([])
      const stored = yield* broker.listMessages(names.workStream, { fromSequence: 1, limit: 100 })
      expect(stored.map((m) => m.subject).sort()).toEqual(companies.flatMap((id) => [names.deliverSubject(id as never), names.deliverSubject(id as never)]).sort())
      expect(stored.map((m) => new TextDecoder().decode(m.data)).sort()).toEqual(companies.flatMap((id) => [`${id}-1`, `${id}-2`]).sort())
      expect(stored.every((m) => m.headers["traceparent"]?.startsWith("00-aaaa"))).toBe(true)

      yield* migrateLegacyWork
      expect(yield* broker.listMessages(names.workStream, { fromSequence: 1, limit: 100 })).toHaveLength(4)
    }).pipe(Effect.provide(layerMemoryServices)))
})
