/** The span a company's `rate_limit_per_minute` counts calls over. */
export const CALL_WINDOW_MS = 60_000

/** A turn at the provider: how long to wait before the call, and the calls the window has left once it is made. */
export interface Turn {
  readonly delayMs: number
  readonly left: number
}

/**
 * The provider calls one company started, or has a turn for, in the last minute (epoch milliseconds, in order): a
 * company may start at most `limit` calls in any minute. A caller over the limit gets the first slot that frees up
 * (the oldest call's time plus a minute) and the next caller the one after, so callers go in the order they asked.
 */
export class CallWindow {
  private readonly calls: Array<number> = []

  /** Counts calls started elsewhere (another replica, before a hand-over). */
  seed(calls: ReadonlyArray<number>) {
    this.calls.push(...calls)
    this.calls.sort((a, b) => a - b)
  }

  /** Takes the next turn at `now` under `limit` calls a minute. */
  take(now: number, limit: number): Turn {
    this.prune(now)
    const count = this.calls.length
    const at = count < limit ? now : Math.max(now, this.calls[count - limit]! + CALL_WINDOW_MS)
    this.calls.splice(this.firstAfter(at), 0, at)
    const inWindow = this.calls.length - this.firstAfter(at - CALL_WINDOW_MS)
    return { delayMs: at - now, left: Math.max(0, limit - inWindow) }
  }

  /** True when no call of the last minute is left: the window can be forgotten. */
  empty(now: number): boolean {
    this.prune(now)
    return this.calls.length === 0
  }

  /** Forgets the calls a minute old or older. */
  private prune(now: number) {
    const stale = this.firstAfter(now - CALL_WINDOW_MS)
    if (stale > 0) this.calls.splice(0, stale)
  }

  /** The index of the first call after `time` (binary search: the calls are in order). */
  private firstAfter(time: number): number {
    let low = 0
    let high = this.calls.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.calls[mid]! <= time) low = mid + 1
      else high = mid
    }
    return low
  }
}
