import { describe, expect, it } from "@effect/vitest"
import { decideKeys, type IntakeRequest, keyLeaders, type KeyRecord } from "../../src/domain/intake.ts"
import { CompanyId } from "../../src/domain/ids.ts"
import { makeNewJob } from "../support/fixtures.ts"

const job = makeNewJob({ createdByCompanyId: CompanyId.make("00000000-0000-4000-8000-000000000001") })
const request = (key: string | null, hash = "h1", scope = "admin"): IntakeRequest => ({
  job,
  scope,
  idempotency: key === null ? null : { key, requestHash: hash },
  traceparent: null
})
const claimed: KeyRecord = { _tag: "Claimed" }

describe("idempotency keys within a batch", () => {
  it("claims each key once, for its first request; refused requests take no part", () => {
    const requests = [request("a"), null, request(null), request("a", "h2"), request("b"), request("a", "h1", "key:x")]
    expect(keyLeaders(requests)).toEqual([0, 4, 5])
  })

  it("answers as if the requests came one after another", () => {
    const requests = [request("a"), request(null), request("a"), request("a", "h2"), null, request("b", "h1"), request("b", "h2")]
    const held: KeyRecord = { _tag: "Held", requestHash: "h2", response: { id: "earlier" } }
    expect(decideKeys(requests, [claimed, held])).toEqual([
      { _tag: "Create" },
      { _tag: "Create" },
      { _tag: "ReplayOf", leader: 0 },
      { _tag: "Conflict" },
      null,
      { _tag: "Conflict" },
      { _tag: "Replay", response: { id: "earlier" } }
    ])
  })
})
