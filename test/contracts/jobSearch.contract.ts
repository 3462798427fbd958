import { expect, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { CompanyId, RoutingId } from "../../src/domain/ids.ts"
import type { Job } from "../../src/domain/job.ts"
import { parseSearch } from "../../src/domain/jobSearch.ts"
import { CompanyRepo } from "../../src/services/Companies.ts"
import { type JobQuery, JobRepo } from "../../src/services/Jobs.ts"
import { RoutingRepo } from "../../src/services/Routings.ts"
import { at, makeCompany, makeJob } from "../support/fixtures.ts"

/** The query a company's jobs are listed with, every filter off. */
const allOf = (involving: CompanyId): JobQuery => ({
  status: null,
  involving,
  createdAfter: null,
  priority: null,
  limit: 50,
  after: null
})

const search = (q: string) => {
  const parsed = parseSearch(q)
  if (parsed === null) throw new Error(`no search in ${JSON.stringify(q)}`)
  return parsed
}

/** Finishes a routing as synced with the provider's id, after claiming it. */
const syncAs = (id: RoutingId, externalId: string) =>
  Effect.gen(function*() {
    const routings = yield* RoutingRepo
    yield* routings.claimMany([{ id, leaseUntil: at(31_000) }], at(1000))
    yield* routings.finish([{
      id,
      leaseUntil: at(31_000),
      result: { _tag: "Synced", externalId, outcome: "created" },
      timing: { at: at(2000), durationMs: 1 }
    }])
  })

/** GET /jobs search and filters in storage (`q`, external id, routing status, created before); run against every layer. */
export const jobSearchContract = <E>(name: string, repositories: Layer.Layer<CompanyRepo | JobRepo | RoutingRepo, E>) =>
  layer(repositories)(`job search: ${name}`, (it) => {
    /** A creator with four jobs a second apart (newest last), each with its own homeowner, and a stranger's job. */
    const setUp = Effect.gen(function*() {
      const companies = yield* CompanyRepo
      const [creator, receiver, stranger] = [makeCompany(), makeCompany(), makeCompany()]
      yield* Effect.forEach([creator, receiver, stranger], companies.insert)
      const job = (n: number, summary: string, homeowner: Job["homeowner"], receivers: ReadonlyArray<CompanyId>) =>
        makeJob(creator.id, receivers, { summary, homeowner, createdAt: at(1000 * (n + 1)) })
      const jobs = [
        job(0, "Kitchen faucet leaking", { name: "Jane Smith", phone: "+1 555-123-4567", email: "jane.smith@example.com" }, [
          receiver.id
        ]),
        job(1, "Water heater replacement", { name: "José Álvarez", phone: "(555) 987-6543" }, [receiver.id]),
        job(2, "Faucet and sink install", { name: "Bob Smithers", email: "bob@plumbers.example" }, []),
        job(3, "Roof leak after storm", { name: "Ann Lee", phone: "555.123.9999" }, [receiver.id])
      ] as const
      const foreign = makeJob(stranger.id, [], {
        summary: "Kitchen faucet leaking",
        homeowner: { name: "Jane Smith", phone: "+1 555-123-4567" },
        createdAt: at(9000)
      })
      yield* (yield* JobRepo).insert([...jobs, foreign])
      return { creator, receiver, jobs }
    })

    const idsOf = (jobs: ReadonlyArray<Job>) => jobs.map((j) => j.id)

    it.effect("q finds words by their start in the summary, name and email, all words required, case ignored", () =>
      Effect.gen(function*() {
        const { creator, jobs } = yield* setUp
        const list = (q: string) =>
          Effect.flatMap(JobRepo, (repo) => repo.list({ ...allOf(creator.id), search: search(q) })).pipe(Effect.map(idsOf))
        expect(yield* list("faucet")).toEqual([jobs[2].id, jobs[0].id])
        expect(yield* list("FAUC")).toEqual([jobs[2].id, jobs[0].id])
        expect(yield* list("smith")).toEqual([jobs[2].id, jobs[0].id])
        expect(yield* list("smith kitchen")).toEqual([jobs[0].id])
        expect(yield* list("jane smith example")).toEqual([jobs[0].id])
        expect(yield* list("plumbers")).toEqual([jobs[2].id])
        expect(yield* list("josé")).toEqual([jobs[1].id])
        expect(yield* list("leak")).toEqual([jobs[3].id, jobs[0].id])
        expect(yield* list("aucet")).toEqual([])
        expect(yield* list("faucet storm")).toEqual([])
      }))

    it.effect("a word too long to index (1,994 characters of 3 bytes) is left out, the others found", () =>
      Effect.gen(function*() {
        const { creator } = yield* setUp
        const long = makeJob(creator.id, [], { summary: `Mural ${"\u4e2d".repeat(1994)}`, createdAt: at(7000) })
        const repo = yield* JobRepo
        yield* repo.insert([long])
        expect(idsOf(yield* repo.list({ ...allOf(creator.id), search: search("mural") }))).toEqual([long.id])
      }))

    it.effect("q with an @ finds the emails that start with it, case ignored", () =>
      Effect.gen(function*() {
        const { creator, jobs } = yield* setUp
        const list = (q: string) =>
          Effect.flatMap(JobRepo, (repo) => repo.list({ ...allOf(creator.id), search: search(q) })).pipe(Effect.map(idsOf))
        expect(yield* list("jane.smith@example.com")).toEqual([jobs[0].id])
        expect(yield* list(" JANE.SMITH@EX ")).toEqual([jobs[0].id])
        expect(yield* list("bob@")).toEqual([jobs[2].id])
        expect(yield* list("smith@example.com")).toEqual([])
        expect(yield* list("o'hara\\@x")).toEqual([])
      }))

    it.effect("q of phone digits finds them together anywhere in the number, however written", () =>
      Effect.gen(function*() {
        const { creator, jobs } = yield* setUp
        const list = (q: string) =>
          Effect.flatMap(JobRepo, (repo) => repo.list({ ...allOf(creator.id), search: search(q) })).pipe(Effect.map(idsOf))
        expect(yield* list("(555) 123-4567")).toEqual([jobs[0].id])
        expect(yield* list("555 123")).toEqual([jobs[3].id, jobs[0].id])
        expect(yield* list("5551234567")).toEqual([jobs[0].id])
        expect(yield* list("9876")).toEqual([jobs[1].id])
        expect(yield* list("4567 555")).toEqual([])
        expect(yield* list("555")).toEqual([])
      }))

    it.effect("external id, routing status and created before filter, combine with q, page by cursor, and see only a company's own routings", () =>
      Effect.gen(function*() {
        const { creator, receiver, jobs } = yield* setUp
        const repo = yield* JobRepo
        yield* syncAs(jobs[0].routings[0]!.id, "ST-1001")
        yield* syncAs(jobs[3].routings[0]!.id, "ST-1002")
        const list = (query: Partial<JobQuery>) => Effect.map(repo.list({ ...allOf(creator.id), ...query }), idsOf)
        expect(yield* list({ externalId: "ST-1001" })).toEqual([jobs[0].id])
        expect(yield* list({ externalId: "ST-100" })).toEqual([])
        expect(yield* list({ routingStatus: "synced" })).toEqual([jobs[3].id, jobs[0].id])
        expect(yield* list({ routingStatus: "pending" })).toEqual([jobs[1].id])
        expect(yield* list({ routingStatus: "failed" })).toEqual([])
        expect(yield* list({ createdBefore: at(3000) })).toEqual([jobs[1].id, jobs[0].id])
        expect(yield* list({ createdBefore: at(1000) })).toEqual([])
        expect(yield* list({ createdBefore: at(4000), createdAfter: at(1000), search: search("smith") })).toEqual([jobs[2].id])
        expect(yield* list({ routingStatus: "synced", search: search("555 123") })).toEqual([jobs[3].id, jobs[0].id])
        expect(yield* list({ routingStatus: "synced", search: search("leak"), involving: receiver.id })).toEqual([
          jobs[3].id,
          jobs[0].id
        ])
        expect(yield* list({ search: search("faucet"), involving: receiver.id })).toEqual([jobs[0].id])
        expect(yield* list({ routingStatus: "pending", involving: receiver.id })).toEqual([jobs[1].id])
        expect(yield* list({ externalId: "ST-1002", involving: receiver.id })).toEqual([jobs[3].id])
        const first = yield* repo.list({ ...allOf(creator.id), search: search("555 123"), routingStatus: "synced", limit: 1 })
        expect(idsOf(first)).toEqual([jobs[3].id])
        const cursor = { createdAt: first[0]!.createdAt, id: first[0]!.id }
        expect(yield* list({ search: search("555 123"), routingStatus: "synced", after: cursor })).toEqual([jobs[0].id])
        expect(yield* list({ search: search("smith"), after: { createdAt: jobs[2].createdAt, id: jobs[2].id } })).toEqual([
          jobs[0].id
        ])
        // Another company's routing of a job the receiver did not create is not the receiver's to filter on.
        const other = makeCompany()
        yield* (yield* CompanyRepo).insert(other)
        const shared = makeJob(creator.id, [receiver.id, other.id], { createdAt: at(5000) })
        yield* repo.insert([shared])
        yield* syncAs(shared.routings[1]!.id, "HCP-77")
        const asReceiver = { involving: receiver.id, routingsSeenBy: receiver.id }
        expect(yield* list({ ...asReceiver, externalId: "HCP-77" })).toEqual([])
        expect(yield* list({ ...asReceiver, routingStatus: "synced" })).toEqual([jobs[3].id, jobs[0].id])
        expect(yield* list({ ...asReceiver, routingStatus: "pending" })).toEqual([shared.id, jobs[1].id])
        expect(yield* list({ externalId: "HCP-77", routingsSeenBy: creator.id })).toEqual([shared.id])
        expect(yield* list({ externalId: "HCP-77", involving: other.id, routingsSeenBy: other.id })).toEqual([shared.id])
        // Without a company key (an admin's company_id), every routing of the company's jobs counts.
        expect(yield* list({ routingStatus: "pending", involving: other.id })).toEqual([shared.id])
        expect(yield* list({ externalId: "HCP-77", involving: receiver.id })).toEqual([shared.id])
      }))
  })
