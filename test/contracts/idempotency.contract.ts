import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { IdempotencyRepo } from "../../src/services/Idempotency.ts"
import { at, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** The behaviour every implementation of the idempotency repository must have; run against each layer. */
export const idempotencyContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("idempotency keys are claimed once, then answer their record, until it expires", () =>
      Effect.gen(function*() {
        const repo = yield* IdempotencyRepo
        const [k1, k2] = [uuid(), uuid()]
        const time = { now: at(0), expiresBefore: at(-1) }
        expect(yield* repo.claim([{ scope: "admin", key: k1, requestHash: "h1" }, { scope: "admin", key: k2, requestHash: "h2" }], time))
          .toEqual([{ _tag: "Claimed" }, { _tag: "Claimed" }])
        yield* repo.complete([{ scope: "admin", key: k1, response: { id: "job-1", n: [1, 2] } }, { scope: "admin", key: k2, response: { id: "job-2" } }])
        const again = yield* repo.claim([
          { scope: "admin", key: k2, requestHash: "h9" },
          { scope: "admin", key: k1, requestHash: "h1" },
          { scope: "key:other", key: k1, requestHash: "h1" }
        ], { now: at(10), expiresBefore: at(-1) })
        expect(again).toEqual([
          { _tag: "Held", requestHash: "h2", response: { id: "job-2" } },
          { _tag: "Held", requestHash: "h1", response: { id: "job-1", n: [1, 2] } },
          { _tag: "Claimed" }
        ])
        expect(yield* repo.claim([{ scope: "admin", key: k1, requestHash: "h3" }], { now: at(100), expiresBefore: at(50) }))
          .toEqual([{ _tag: "Claimed" }])
        expect(yield* repo.claim([], time)).toEqual([])
      }))
  })
