import { describe, expect, it } from "@effect/vitest"
import { deliverAfterError, dueAt, isScheduled } from "../../src/domain/schedule.ts"

const DAY_MS = 86_400_000
const now = new Date("2026-12-06T12:00:00.000Z")
const ahead = (ms: number) => new Date(now.getTime() + ms)

describe("deliver_after", () => {
  it("is taken up to 30 days ahead, and refused beyond with the field named", () => {
    expect(deliverAfterError(null, now)).toBeNull()
    expect(deliverAfterError(ahead(1), now)).toBeNull()
    expect(deliverAfterError(ahead(30 * DAY_MS), now)).toBeNull()
    expect(deliverAfterError(ahead(30 * DAY_MS + 1), now)).toMatchObject({
      _tag: "InvalidInput",
      details: [{ path: "deliver_after", message: "at most 30 days ahead" }]
    })
  })

  it("in the past or now is taken, and schedules nothing", () => {
    expect(deliverAfterError(ahead(-365 * DAY_MS), now)).toBeNull()
    expect(isScheduled(ahead(-1), now)).toBe(false)
    expect(isScheduled(now, now)).toBe(false)
    expect(isScheduled(null, now)).toBe(false)
    expect(isScheduled(ahead(1), now)).toBe(true)
  })

  it("moves when a job's routings are due (and their SLA starts) only when it is later than the acceptance", () => {
    expect(dueAt({ createdAt: now, deliverAfter: null })).toEqual(now)
    expect(dueAt({ createdAt: now, deliverAfter: ahead(-5_000) })).toEqual(now)
    expect(dueAt({ createdAt: now, deliverAfter: ahead(5_000) })).toEqual(ahead(5_000))
  })
})
