import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Option, type Scope } from "effect"
import { CompanyId } from "../../src/domain/ids.ts"
import type { LeadRequest, ProviderAccount, ProviderClient, ProviderError } from "../../src/services/Providers.ts"
import { makeJob, uuid } from "../support/fixtures.ts"

/**
 * What a provider is made to answer: `rate_limited` a 429 with a wait; `unavailable` one 503, then answers as usual;
 * `down` a 503 to every try; `slow` no answer within the client's timeout (then an answer as usual).
 */
export type ProviderFault = "rate_limited" | "unavailable" | "down" | "slow"

/** Which of a provider's calls a fault is for: lead creation, or status reads. */
export type ProviderCall = "create" | "read"

/** A client made for one test, with an account whose credentials the provider accepts. */
export interface ClientUnderTest {
  readonly client: ProviderClient
  readonly account: ProviderAccount
  /** The account with credentials the provider refuses (none when the provider takes no credentials). */
  readonly refused: Option.Option<() => ProviderAccount>
}

/** One implementation of the provider client, with the means to make its provider misbehave. */
export interface ProviderUnderTest {
  readonly make: Effect.Effect<ClientUnderTest, never, Scope.Scope>
  /** Whether the provider can look a lead up by the routing it was made for. */
  readonly findsLeads: boolean
  /** Whether the provider takes credentials it may refuse. */
  readonly takesCredentials: boolean
  /** The faults the provider can be made to answer, by call. */
  readonly faults: { readonly [call in ProviderCall]: ReadonlyArray<ProviderFault> }
  /** Makes the provider answer the account's next `call` with `fault`; answers the account to call with. */
  readonly inject: (account: ProviderAccount, call: ProviderCall, fault: ProviderFault) => ProviderAccount
  /** How many requests of this kind the provider received so far. */
  readonly calls: (call: ProviderCall) => number
  /** How many requests one status read makes at most when every one fails retryably (its retries included). */
  readonly readTries: number
  /** The wait a rate-limited answer asks for. */
  readonly retryAfter: Duration.Duration
  /** An id no lead has at the provider, in the provider's format. */
  readonly unknownId: string
  /** Every credential and token a failure must never show. */
  readonly secrets: () => ReadonlyArray<string>
}

/** A lead request for a new job routed to the account's company. */
const requestFor = (account: ProviderAccount): LeadRequest => {
  const job = makeJob(CompanyId.make(uuid()), [account.companyId])
  return { ...account, job, routing: job.routings[0]! }
}

/** What every provider client promises, whatever the provider; run against each implementation. */
export const providerClientContract = (name: string, provider: ProviderUnderTest) =>
  describe(`provider client: ${name}`, () => {
    /** The failure, after checking that no credential shows in it. */
    const failureOf = <A>(effect: Effect.Effect<A, ProviderError>) =>
      Effect.tap(Effect.flip(effect), (error) =>
        Effect.sync(() => {
          const text = `${error.message} ${String(error)} ${JSON.stringify(error)}`
          for (const secret of provider.secrets()) expect(text).not.toContain(secret)
        }))

    /** The failure of `effect`, and how many `call` requests the provider received meanwhile. */
    const failureCounting = <A>(call: ProviderCall, effect: Effect.Effect<A, ProviderError>) =>
      Effect.gen(function*() {
        const before = provider.calls(call)
        const error = yield* failureOf(effect)
        return { error, requests: provider.calls(call) - before }
      })

    const can = (call: ProviderCall, fault: ProviderFault) => provider.faults[call].includes(fault)

    it.live("creates a lead and answers its id; its status is pending; unknown ids and an empty batch answer nothing", () =>
      Effect.scoped(Effect.gen(function*() {
        const { client, account } = yield* provider.make
        const { externalId } = yield* client.createLead(requestFor(account))
        expect(externalId).toEqual(expect.any(String))
        expect(externalId).not.toBe("")
        const states = yield* client.statuses(account, [externalId, provider.unknownId])
        expect(states.map((s) => [s.externalId, s.status])).toEqual([[externalId, "pending"]])
        expect(states[0]).toMatchObject({ revenueCents: Option.none(), completedAt: Option.none() })
        expect(yield* client.statuses(account, [])).toEqual([])
      })))

    if (provider.findsLeads) {
      it.live("finds a lead by the routing it was made for, and none for another routing", () =>
        Effect.scoped(Effect.gen(function*() {
          const { client, account } = yield* provider.make
          const find = Option.getOrThrow(client.findLead)
          const request = requestFor(account)
          const { externalId } = yield* client.createLead(request)
          expect(yield* find(request)).toEqual(Option.some({ externalId }))
          expect(yield* find(requestFor(account))).toEqual(Option.none())
        })))
    } else {
      it.live("has no lookup by our reference", () =>
        Effect.scoped(Effect.map(provider.make, ({ client }) => expect(Option.isNone(client.findLead)).toBe(true))))
    }

    it.live("checkCredentials accepts the account's credentials", () =>
      Effect.scoped(Effect.gen(function*() {
        const { client, account } = yield* provider.make
        expect(yield* client.checkCredentials(account)).toBeUndefined()
      })))

    if (provider.takesCredentials) {
      it.live("refused credentials (401, 403) are a permanent failure of every call, never showing a credential", () =>
        Effect.scoped(Effect.gen(function*() {
          const { client, refused } = yield* provider.make
          const account = Option.getOrThrow(refused)()
          const errors = [
            yield* failureOf(client.createLead(requestFor(account))),
            yield* failureOf(client.statuses(account, [provider.unknownId])),
            yield* failureOf(client.checkCredentials(account))
          ]
          for (const error of errors) {
            expect(error.kind).toBe("permanent")
            expect([401, 403]).toContain(error.status)
          }
        })))
    }

    it.live("a 429 to a create is rate limited with the wait asked for, after one request, its outcome known", () =>
      Effect.scoped(Effect.gen(function*() {
        const { client, account } = yield* provider.make
        const { error, requests } = yield* failureCounting("create", client.createLead(requestFor(provider.inject(account, "create", "rate_limited"))))
        expect(error).toMatchObject({ kind: "rate_limited", status: 429, retryAfter: Option.some(provider.retryAfter) })
        expect(error.outcomeUnknown).not.toBe(true)
        expect(requests).toBe(1)
      })))

    if (can("read", "rate_limited")) {
      it.live("a 429 to a status read is rate limited, after one request", () =>
        Effect.scoped(Effect.gen(function*() {
          const { client, account } = yield* provider.make
          const { externalId } = yield* client.createLead(requestFor(account))
          const { error, requests } = yield* failureCounting("read", client.statuses(provider.inject(account, "read", "rate_limited"), [externalId]))
          expect(error).toMatchObject({ kind: "rate_limited", status: 429 })
          expect(requests).toBe(1)
        })))
    }

    it.live("a 5xx to a create is retryable, left to the caller after one request, its outcome known", () =>
      Effect.scoped(Effect.gen(function*() {
        const { client, account } = yield* provider.make
        const { error, requests } = yield* failureCounting("create", client.createLead(requestFor(provider.inject(account, "create", "unavailable"))))
        expect(error).toMatchObject({ kind: "retryable", status: 503 })
        expect(error.outcomeUnknown).not.toBe(true)
        expect(requests).toBe(1)
      })))

    it.live("a status read the provider keeps answering with a 5xx is retryable, after its tries", () =>
      Effect.scoped(Effect.gen(function*() {
        const { client, account } = yield* provider.make
        const { externalId } = yield* client.createLead(requestFor(account))
        const { error, requests } = yield* failureCounting("read", client.statuses(provider.inject(account, "read", "down"), [externalId]))
        expect(error).toMatchObject({ kind: "retryable", status: 503 })
        expect(requests).toBe(provider.readTries)
      })))

    for (const [fault, what] of [["unavailable", "answered one 5xx"], ["slow", "without an answer in time"]] as const) {
      if (!can("read", fault)) continue
      it.live(`a status read ${what} is asked again at once, and answers`, () =>
        Effect.scoped(Effect.gen(function*() {
          const { client, account } = yield* provider.make
          const { externalId } = yield* client.createLead(requestFor(account))
          const before = provider.calls("read")
          const states = yield* client.statuses(provider.inject(account, "read", fault), [externalId])
          expect(states.map((s) => [s.externalId, s.status])).toEqual([[externalId, "pending"]])
          expect(provider.calls("read") - before).toBe(2)
        })))
    }

    if (can("create", "slow")) {
      it.live("a create without an answer in time is retryable, its outcome unknown", () =>
        Effect.scoped(Effect.gen(function*() {
          const { client, account } = yield* provider.make
          const error = yield* failureOf(client.createLead(requestFor(provider.inject(account, "create", "slow"))))
          expect(error).toMatchObject({ kind: "retryable", outcomeUnknown: true, message: expect.stringContaining("no answer within") })
          expect(error.status).toBeUndefined()
        })))
    }

  })
