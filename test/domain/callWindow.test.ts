import { describe, expect, it } from "@effect/vitest"
import { CALL_WINDOW_MS, CallWindow } from "../../src/domain/callWindow.ts"

/** The largest number of turns that fall inside any minute. */
const busiestMinute = (turns: ReadonlyArray<number>) =>
  Math.max(...turns.map((start) => turns.filter((t) => t >= start && t < start + CALL_WINDOW_MS).length))

describe("a company's call window", () => {
  it("lets `limit` calls through at once, then one as each falls out of the minute, in the order asked", () => {
    const window = new CallWindow()
    const turns = [0, 0, 0].map(() => window.take(1_000, 2))
    expect(turns).toEqual([{ delayMs: 0, left: 1 }, { delayMs: 0, left: 0 }, { delayMs: 60_000, left: 1 }])
    expect(window.take(1_500, 2)).toEqual({ delayMs: 59_500, left: 0 })
    expect(window.take(121_000, 2)).toMatchObject({ delayMs: 0 })
  })

  it("never has more than `limit` calls in any minute, however the callers come", () => {
    const window = new CallWindow()
    const turns: Array<number> = []
    for (let now = 0; now < 300_000; now += 700) {
      for (let i = 0; i < now % 3; i++) {
        const turn = window.take(now, 60)
        turns.push(now + turn.delayMs)
      }
    }
    expect(busiestMinute(turns)).toBe(60)
  })

  it("counts calls made elsewhere in the last minute, and forgets them a minute later", () => {
    const window = new CallWindow()
    window.seed([10_000, 5_000, 20_000])
    expect(window.take(30_000, 3)).toEqual({ delayMs: 35_000, left: 0 })
    expect(window.empty(30_000)).toBe(false)
    expect(window.empty(65_000 + CALL_WINDOW_MS)).toBe(true)
  })
})
