import { expect, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import type { ApiKey } from "../../src/domain/apiKey.ts"
import { ApiKeyId } from "../../src/domain/ids.ts"
import { ApiKeyRepo } from "../../src/services/ApiKeys.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { at, makeCompany, uuid } from "../support/fixtures.ts"
import type { Repositories } from "./repositories.ts"

/** The behaviour every implementation of the API key repository must have; run against each layer. */
export const apiKeyContract = <E>(name: string, repositories: Layer.Layer<Repositories, E>) =>
  layer(repositories)(`repositories: ${name}`, (it) => {
    it.effect("API keys are found by hash until revoked or expired, record their use to the minute, and list newest first", () =>
      Effect.gen(function*() {
        const company = makeCompany()
        yield* (yield* CompanyRepo).insert(company)
        const keys = yield* ApiKeyRepo
        const key: ApiKey = {
          id: ApiKeyId.make(uuid()),
          role: "company",
          companyId: company.id,
          name: "ci",
          keyHash: `hash-${uuid()}`,
          prefix: "si_abcdef",
          createdAt: at(0),
          revokedAt: null,
          lastUsedAt: null,
          expiresAt: null
        }
        const expiring: ApiKey = { ...key, id: ApiKeyId.make(uuid()), keyHash: `hash-${uuid()}`, createdAt: at(1), expiresAt: at(100_000) }
        yield* keys.insert(key)
        yield* keys.insert(expiring)
        expect(yield* keys.findActive(key.keyHash, at(1))).toEqual(Option.some({ key, companyStatus: "active" }))
        expect(yield* keys.findActive("no-such-hash", at(1))).toEqual(Option.none())
        expect(Option.isSome(yield* keys.findActive(expiring.keyHash, at(99_999)))).toBe(true)
        expect(yield* keys.findActive(expiring.keyHash, at(100_000))).toEqual(Option.none())

        const lastUsed = Effect.map(keys.findActive(key.keyHash, at(1)), (found) => Option.getOrThrow(found).key.lastUsedAt)
        yield* keys.recordUse(key.id, at(10_000))
        expect(yield* lastUsed).toEqual(at(10_000))
        yield* keys.recordUse(key.id, at(69_999))
        expect(yield* lastUsed, "at most once a minute").toEqual(at(10_000))
        yield* keys.recordUse(key.id, at(70_000))
        expect(yield* lastUsed).toEqual(at(70_000))

        const listed = (yield* keys.list({ limit: 1000, after: null })).filter((k) => k.companyId === company.id)
        expect(listed.map((k) => k.id)).toEqual([expiring.id, key.id])
        expect(listed[0]).toEqual(expiring)
        expect((yield* keys.list({ limit: 1000, after: { createdAt: at(1), id: expiring.id } })).map((k) => k.id)).toContain(key.id)

        yield* (yield* CompanyRepo).update(company.id, { status: "suspended" }, at(1))
        expect(Option.map(yield* keys.findActive(key.keyHash, at(1)), (found) => found.companyStatus)).toEqual(Option.some("suspended"))
        expect(yield* keys.revoke(key.id, at(1))).toBe(true)
        expect(yield* keys.findActive(key.keyHash, at(1))).toEqual(Option.none())
        expect(yield* keys.revoke(key.id, at(2))).toBe(false)
        expect(yield* keys.revoke(ApiKeyId.make(uuid()), at(2))).toBe(false)
      }))

    it.effect("a viewer key, which has no company, is stored, found and listed with its role", () =>
      Effect.gen(function*() {
        const keys = yield* ApiKeyRepo
        const viewer: ApiKey = {
          id: ApiKeyId.make(uuid()),
          role: "viewer",
          companyId: null,
          name: "read only",
          keyHash: `hash-${uuid()}`,
          prefix: "si_viewer",
          createdAt: at(0),
          revokedAt: null,
          lastUsedAt: null,
          expiresAt: null
        }
        yield* keys.insert(viewer)
        expect(yield* keys.findActive(viewer.keyHash, at(1))).toEqual(Option.some({ key: viewer, companyStatus: null }))
        expect((yield* keys.list({ limit: 1000, after: null })).find((k) => k.id === viewer.id)).toEqual(viewer)
      }))
  })
