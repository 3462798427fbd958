/** Percentiles and their printing, for the benchmarks. */

/** The nearest-rank percentile `p` (0..100) of sorted values. */
export const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

export const sortedOf = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)

export const median = (values: ReadonlyArray<number>) => percentile(sortedOf(values), 50)

export const ms = (n: number) => `${n.toFixed(1)} ms`

/** p50, p95, p99 and max of a list of milliseconds, for a report. */
export const summary = (values: ReadonlyArray<number>) => {
  const s = sortedOf(values)
  return s.length === 0
    ? { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, min: Number.NaN }
    : { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1)!, min: s[0]! }
}

/** `p50 … p95 … p99 … max …` of a list of milliseconds. */
export const distribution = (values: ReadonlyArray<number>) => {
  if (values.length === 0) return "no values"
  const s = summary(values)
  return `p50 ${ms(s.p50)}   p95 ${ms(s.p95)}   p99 ${ms(s.p99)}   max ${ms(s.max)}   (min ${ms(s.min)})`
}
