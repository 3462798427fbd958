import type { Priority } from "./job.ts"

/** The priorities, highest first: a priority's rank is its index here. */
export const PRIORITIES: ReadonlyArray<Priority> = ["urgent", "high", "normal", "low"]

/** A priority's rank in `PRIORITIES` (0 for urgent). */
export const rankOf = (priority: Priority): number => PRIORITIES.indexOf(priority)

/**
 * Calls a waiting priority lets go to higher ones in a row before it gets the next call itself. A priority passed over
 * this often goes next (the highest such first), so each one with routings waiting has at least one call in every
 * `PATIENCE + PRIORITIES.length - 1` of its company's.
 */
export const PATIENCE = 8

/** What the turn rule looks at, by rank: routings waiting, and calls each waiting priority was passed over in a row. */
interface TurnCounts {
  readonly waiting: ReadonlyArray<number>
  readonly passedOver: ReadonlyArray<number>
}

/**
 * The rank whose turn it is: the highest with routings waiting, unless one waiting was passed over `PATIENCE` times in
 * a row (then the highest of those); -1 when nothing waits.
 */
const turnOf = ({ passedOver, waiting }: TurnCounts): number => {
  let highest = -1
  for (let rank = 0; rank < waiting.length; rank++) {
    if (waiting[rank]! === 0) continue
    if (passedOver[rank]! >= PATIENCE) return rank
    if (highest < 0) highest = rank
  }
  return highest
}

/** Records that `rank` took a call: every other priority waiting was passed over once more. */
const takeTurn = (counts: { waiting: Array<number>; passedOver: Array<number> }, rank: number) => {
  for (let other = 0; other < counts.waiting.length; other++) {
    if (other !== rank && counts.waiting[other]! > 0) counts.passedOver[other]!++
  }
  counts.passedOver[rank] = 0
  counts.waiting[rank]!--
}

/**
 * One company's held routings, in turns by priority (see `turnOf`): each priority first in, first out. A batch is taken
 * in turn order; its routings still count as waiting until their calls start, so that one arriving meanwhile whose
 * turn comes first is seen (`turn`) and the batch can stop for it.
 */
export class PriorityTurns<A extends { readonly priority: Priority }> {
  private readonly queues: Array<Array<A>> = PRIORITIES.map(() => [])
  private readonly passedOver: Array<number> = PRIORITIES.map(() => 0)
  /** The batch's routings, by rank, whose calls have not started. */
  private readonly reserved: Array<number> = PRIORITIES.map(() => 0)
  private held = 0

  /** Routings held, not counting a batch taken. */
  get size(): number {
    return this.held
  }

  /** Every routing held, not counting a batch taken. */
  items(): Array<A> {
    return this.queues.flat()
  }

  /** Holds `item` behind the others of its priority. */
  push(item: A): void {
    this.queueOf(item.priority).push(item)
    this.held++
  }

  /** Holds `items` (left from a batch) ahead of the others of their priorities, in their order. */
  returnFront(items: ReadonlyArray<A>): void {
    for (let i = items.length - 1; i >= 0; i--) this.queueOf(items[i]!.priority).unshift(items[i]!)
    this.held += items.length
  }

  /** Removes and answers the newest routing of the lowest priority below `priority`, if one is held. */
  evictBelow(priority: Priority): A | undefined {
    for (let rank = PRIORITIES.length - 1; rank > rankOf(priority); rank--) {
      const evicted = this.queues[rank]!.pop()
      if (evicted !== undefined) {
        this.held--
        return evicted
      }
    }
    return undefined
  }

  /** Removes and answers every routing held. */
  drain(): Array<A> {
    const all = this.items()
    for (const queue of this.queues) queue.length = 0
    this.held = 0
    return all
  }

  /** Removes and answers up to `max` routings in the order their turns come, if nothing else arrives meanwhile. */
  take(max: number): Array<A> {
    const counts = { waiting: this.waitingCounts(), passedOver: [...this.passedOver] }
    const taken: Array<A> = []
    while (taken.length < max) {
      const rank = turnOf(counts)
      if (rank < 0) break
      takeTurn(counts, rank)
      taken.push(this.queues[rank]!.shift()!)
    }
    this.held -= taken.length
    return taken
  }

  /** The batch's routings to call, by priority: until each starts, it takes turns with the routings held. */
  reserve(priorities: ReadonlyArray<Priority>): void {
    for (const priority of priorities) this.reserved[rankOf(priority)]!++
  }

  /** The priority whose turn the next call is, counting the batch's routings not started; undefined when none waits. */
  turn(): Priority | undefined {
    return PRIORITIES[turnOf({ waiting: this.waitingCounts(), passedOver: this.passedOver })]
  }

  /** A call of the batch's, of `priority`, starts: it takes its turn. */
  started(priority: Priority): void {
    const rank = rankOf(priority)
    const waiting = this.waitingCounts()
    takeTurn({ waiting, passedOver: this.passedOver }, rank)
    this.reserved[rank]!--
  }

  /** The batch has ended: what it did not start was handed back (`returnFront`) or settled. */
  endBatch(): void {
    this.reserved.fill(0)
  }

  private queueOf(priority: Priority): Array<A> {
    const rank = rankOf(priority)
    // A priority that had nothing waiting starts again with no calls passed over.
    if (this.queues[rank]!.length === 0 && this.reserved[rank] === 0) this.passedOver[rank] = 0
    return this.queues[rank]!
  }

  private waitingCounts(): Array<number> {
    return this.queues.map((queue, rank) => queue.length + this.reserved[rank]!)
  }
}
