import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Scope } from "effect"
import type { CompanyActor } from "../../programs/companyActor.ts"
import { startStatusPolling } from "../../programs/statusPolling.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { DeliveryDirectory } from "../../src/services/Actors.ts"
import type { DeliveryTarget } from "../../src/services/Companies.ts"
import { DeliverySettings } from "../../src/services/Settings.ts"
import { defaultDelivery, layerMemoryServices } from "../support/services.ts"
import { advance } from "./delivery.support.ts"

const target = (companyId: CompanyId): DeliveryTarget => ({
  companyId,
  rateLimitPerMinute: 5,
  concurrency: 1,
  paused: false,
  pollIntervalSeconds: null,
  pollSchedule: null,
  timeZone: null
})

describe("status polling plans (TestClock)", () => {
  it.effect("a company first seen after start-up, with an actor at work already, is first polled an interval later", () =>
    Effect.gen(function*() {
      const directory = yield* DeliveryDirectory
      const companyId = CompanyId.make(crypto.randomUUID())
      let polls = 0
      // Only `poll` is used for a company with an actor; each poll would spend one of its rate limit's calls.
      const actor = { poll: () => Effect.sync(() => void polls++) } as unknown as CompanyActor
      const scope = yield* Scope.make()
      yield* startStatusPolling({
        actorOf: () => Effect.succeed(actor),
        hasActor: () => true,
        holds: () => true,
        stopping: () => false
      }).pipe(Scope.extend(scope))

      // Registered after start-up: its leads were delivered a moment ago, none is due for 30 s.
      yield* directory.replace([target(companyId)], yield* directory.generation)
      yield* advance(25_000, 500)
      expect(polls).toBe(0)
      yield* advance(10_000, 500)
      expect(polls).toBe(1)
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.provideService(DeliverySettings, { ...defaultDelivery, pollInterval: Duration.seconds(30) }),
      Effect.provide(layerMemoryServices)
    ))
})
