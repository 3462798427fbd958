import { describe, expect, it } from "@effect/vitest"
import { Cron, Duration, Effect, Schema } from "effect"
import { cronProblem, freshFor, pollPlanOf, PollScheduleExpression, timeZoneProblem } from "../../src/domain/pollSchedule.ts"
import { nextStatusPoll } from "../../src/Schedules.ts"

const settings = (overrides: Partial<Parameters<typeof pollPlanOf>[0]> = {}) => ({
  pollSchedule: null,
  timeZone: null,
  pollIntervalSeconds: null,
  ...overrides
})

const iso = (ms: number) => new Date(ms).toISOString()
const utc = (text: string) => new Date(text).getTime()

describe("poll schedules", () => {
  it("takes five cron fields and names what is wrong with anything else", () => {
    expect(cronProblem("*/30 8-18 * * 1-5")).toBeUndefined()
    expect(cronProblem("  0   6 * * *  ")).toBeUndefined()
    expect(cronProblem("61 * * * *")).toMatch(/between 0 and 59/)
    expect(cronProblem("0 */30 8-18 * * 1-5")).toMatch(/5 fields.*got 6/)
    expect(cronProblem("@daily")).toMatch(/got 1/)
    expect(cronProblem("")).toMatch(/got 0/)
    expect(Schema.is(PollScheduleExpression)("* * * * *")).toBe(true)
    expect(Schema.is(PollScheduleExpression)("* * *")).toBe(false)
  })

  it("takes IANA time zones only", () => {
    expect(timeZoneProblem("America/Chicago")).toBeUndefined()
    expect(timeZoneProblem("UTC")).toBeUndefined()
    expect(timeZoneProblem("America/Springfield")).toMatch(/IANA time zone/)
    expect(timeZoneProblem("+05:00")).toMatch(/IANA time zone/)
  })

  it("a schedule wins over the interval; without one the company's interval, else the default", () => {
    const fallback = Duration.minutes(30)
    const scheduled = pollPlanOf(settings({ pollSchedule: "0 6 * * *", pollIntervalSeconds: 60 }), fallback)
    expect(scheduled._tag).toBe("Cron")
    expect(freshFor(scheduled)).toEqual(Duration.zero)
    const own = pollPlanOf(settings({ pollIntervalSeconds: 600 }), fallback)
    expect(own).toMatchObject({ _tag: "Interval", interval: Duration.seconds(600) })
    expect(freshFor(own)).toEqual(Duration.seconds(600))
    expect(pollPlanOf(settings(), fallback)).toMatchObject({ _tag: "Interval", interval: fallback })
    // Never stored by the API, but a plan is still made: the interval.
    expect(pollPlanOf(settings({ pollSchedule: "bad", pollIntervalSeconds: 60 }), fallback)).toMatchObject({ _tag: "Interval" })
    expect(pollPlanOf(settings({ pollSchedule: "0 6 * * *", timeZone: "Nowhere/Else" }), fallback)).toMatchObject({ _tag: "Interval" })
    // Equal settings, equal keys; a changed zone, another key.
    const chicago = settings({ pollSchedule: "0 6 * * *", timeZone: "America/Chicago" })
    expect(pollPlanOf(chicago, fallback).key).toBe(pollPlanOf({ ...chicago }, fallback).key)
    expect(pollPlanOf(chicago, fallback).key).not.toBe(pollPlanOf({ ...chicago, timeZone: "Europe/Berlin" }, fallback).key)
  })

  it.effect("the next poll follows the cron in the company's zone, across the change to daylight saving time", () =>
    Effect.gen(function*() {
      const plan = pollPlanOf(settings({ pollSchedule: "*/30 8-18 * * 1-5", timeZone: "America/Chicago" }), Duration.minutes(30))
      // Friday 6 March 2026, 08:00 CST (UTC-6): the next is 08:30 CST.
      expect(iso(yield* nextStatusPoll(plan, utc("2026-03-06T14:00:00Z")))).toBe("2026-03-06T14:30:00.000Z")
      // Friday 18:30 CST is the last of the day; after it, Monday 9 March 08:00, now CDT (UTC-5) since Sunday.
      expect(iso(yield* nextStatusPoll(plan, utc("2026-03-07T00:00:00Z")))).toBe("2026-03-07T00:30:00.000Z")
      expect(iso(yield* nextStatusPoll(plan, utc("2026-03-07T00:30:30Z")))).toBe("2026-03-09T13:00:00.000Z")
      // And back to CST on Sunday 1 November: Monday 2 November 08:00 is 14:00 UTC.
      expect(iso(yield* nextStatusPoll(plan, utc("2026-10-31T00:00:00Z")))).toBe("2026-11-02T14:00:00.000Z")
      // The same schedule read in UTC.
      const inUtc = pollPlanOf(settings({ pollSchedule: "*/30 8-18 * * 1-5" }), Duration.minutes(30))
      expect(iso(yield* nextStatusPoll(inUtc, utc("2026-03-07T00:00:30Z")))).toBe("2026-03-09T08:00:00.000Z")
      // The plan's cron is effect's, in the zone.
      expect(plan._tag === "Cron" && Cron.match(plan.cron, new Date("2026-03-09T13:30:00Z"))).toBe(true)
    }))

  it.effect("on an interval the next poll is one interval on", () =>
    Effect.gen(function*() {
      const plan = pollPlanOf(settings({ pollIntervalSeconds: 600 }), Duration.minutes(30))
      expect(yield* nextStatusPoll(plan, 1_000_000)).toBe(1_600_000)
      expect(yield* nextStatusPoll(pollPlanOf(settings(), Duration.minutes(30)), 0)).toBe(1_800_000)
    }))
})
