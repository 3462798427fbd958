import { describe, expect, it } from "@effect/vitest"
import type { Priority } from "../../src/domain/job.ts"
import { PATIENCE, PRIORITIES, PriorityTurns } from "../../src/domain/priorityTurns.ts"

interface Item {
  readonly id: string
  readonly priority: Priority
}

const item = (id: string, priority: Priority): Item => ({ id, priority })

/** One call, as a batch of one makes it: taken, its turn confirmed, started. */
const callOne = (turns: PriorityTurns<Item>): Item => {
  const [next] = turns.take(1)
  turns.reserve([next!.priority])
  expect(turns.turn()).toBe(next!.priority)
  turns.started(next!.priority)
  turns.endBatch()
  return next!
}

describe("PriorityTurns", () => {
  it("takes the highest priority first, each priority first in, first out", () => {
    const turns = new PriorityTurns<Item>()
    for (const i of [item("n1", "normal"), item("l1", "low"), item("h1", "high"), item("u1", "urgent"), item("n2", "normal")]) turns.push(i)
    expect(turns.size).toBe(5)
    expect(turns.take(3).map((i) => i.id)).toEqual(["u1", "h1", "n1"])
    expect(turns.size).toBe(2)
    expect(turns.items().map((i) => i.id)).toEqual(["n2", "l1"])
  })

  it("a low routing goes out once in every PATIENCE + 1 calls under a steady stream of urgent ones", () => {
    const turns = new PriorityTurns<Item>()
    for (let i = 0; i < 20; i++) turns.push(item(`l${i}`, "low"))
    const calls: Array<Priority> = []
    for (let i = 0; i < 10 * (PATIENCE + 1); i++) {
      turns.push(item(`u${i}`, "urgent"))
      calls.push(callOne(turns).priority)
    }
    expect(calls.filter((p) => p === "low")).toHaveLength(10)
    expect(calls.slice(0, PATIENCE + 1)).toEqual([...Array(PATIENCE).fill("urgent"), "low"])
  })

  it("every priority waiting has a call in every PATIENCE + 3 of the company's, whatever keeps coming", () => {
    const turns = new PriorityTurns<Item>()
    const calls: Array<Priority> = []
    for (let i = 0; i < 400; i++) {
      // More of every priority arrives than one call a round can take.
      for (const priority of PRIORITIES) turns.push(item(`${priority}${i}`, priority))
      calls.push(callOne(turns).priority)
    }
    const window = PATIENCE + PRIORITIES.length - 1
    for (let start = 0; start + window <= calls.length; start++) {
      const seen = new Set(calls.slice(start, start + window))
      expect([...seen].sort()).toEqual([...PRIORITIES].sort())
    }
    expect(calls.filter((p) => p === "urgent").length).toBeGreaterThan(calls.length / 2)
  })

  it("an urgent routing arriving while a batch of normal ones is under way has the next turn: the batch gives the rest back", () => {
    const turns = new PriorityTurns<Item>()
    for (let i = 1; i <= 4; i++) turns.push(item(`n${i}`, "normal"))
    const batch = turns.take(3)
    turns.reserve(batch.map((i) => i.priority))
    expect(turns.turn()).toBe("normal")
    turns.started("normal")
    turns.push(item("u1", "urgent"))
    // The turn is the urgent one's, held outside the batch: the batch ends and holds its two not started again.
    expect(turns.turn()).toBe("urgent")
    turns.returnFront(batch.slice(1))
    turns.endBatch()
    expect(turns.take(4).map((i) => i.id)).toEqual(["u1", "n2", "n3", "n4"])
  })

  it("a lower priority passed over too often keeps its turn across batches", () => {
    const turns = new PriorityTurns<Item>()
    turns.push(item("l1", "low"))
    for (let i = 0; i < PATIENCE; i++) {
      turns.push(item(`h${i}`, "high"))
      expect(callOne(turns).id).toBe(`h${i}`)
    }
    turns.push(item("u1", "urgent"))
    expect(turns.take(2).map((i) => i.id)).toEqual(["l1", "u1"])
  })

  it("a priority that had nothing waiting starts again with no calls passed over", () => {
    const turns = new PriorityTurns<Item>()
    turns.push(item("l1", "low"))
    for (let i = 0; i < PATIENCE - 1; i++) {
      turns.push(item(`u${i}`, "urgent"))
      callOne(turns)
    }
    expect(callOne(turns).id).toBe("l1")
    turns.push(item("l2", "low"))
    turns.push(item("u9", "urgent"))
    expect(turns.take(2).map((i) => i.id)).toEqual(["u9", "l2"])
  })

  it("makes room by evicting the newest routing of the lowest priority below the one arriving", () => {
    const turns = new PriorityTurns<Item>()
    for (const i of [item("n1", "normal"), item("n2", "normal"), item("l1", "low"), item("h1", "high")]) turns.push(i)
    expect(turns.evictBelow("urgent")?.id).toBe("l1")
    expect(turns.evictBelow("urgent")?.id).toBe("n2")
    expect(turns.evictBelow("normal")).toBeUndefined()
    expect(turns.evictBelow("high")?.id).toBe("n1")
    expect(turns.size).toBe(1)
    expect(turns.drain().map((i) => i.id)).toEqual(["h1"])
    expect(turns.size).toBe(0)
    expect(turns.take(5)).toEqual([])
    expect(turns.turn()).toBeUndefined()
  })
})
