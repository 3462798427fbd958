import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { Transactions } from "../../src/services/Transactions.ts"
import { at, makeCompany } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** The behaviour every implementation of transactions must have; run against each layer. */
export const transactionContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("a transaction that fails leaves nothing of its writes", () =>
      Effect.gen(function*() {
        const companies = yield* CompanyRepo
        const transactions = yield* Transactions
        const kept = makeCompany()
        const dropped = makeCompany()
        yield* transactions.run(companies.insert(kept))
        const result = yield* transactions.run(
          companies.insert(dropped).pipe(
            Effect.zipRight(transactions.run(companies.update(kept.id, { name: "changed" }, at(1)))),
            Effect.zipRight(Effect.fail("boom" as const))
          )
        ).pipe(Effect.flip)
        expect(result).toBe("boom")
        expect(yield* companies.exists(dropped.id)).toBe(false)
        expect(Option.getOrThrow(yield* companies.get(kept.id)).name).toBe(kept.name)
      }))
  })
