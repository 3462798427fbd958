/** The latency distribution of a benchmark as an SVG chart: one cumulative curve per series, log-scaled time axis. */

export interface Series {
  readonly label: string
  readonly valuesMs: ReadonlyArray<number>
}

const COLOURS = ["#1f5fbf", "#1f8a4c", "#c2410c", "#7c3aed", "#0f766e", "#b91c1c"]

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** Cumulative share of requests (y, 0–100 %) done within a latency (x, log scale from 1 ms). */
export const latencyChart = (title: string, series: ReadonlyArray<Series>) => {
  const [width, height, left, right, top, bottom] = [900, 420, 60, 20, 40, 50]
  const all = series.flatMap((s) => s.valuesMs).filter((v) => v > 0)
  const maxMs = Math.max(10, ...all)
  const decades = Math.ceil(Math.log10(maxMs))
  const x = (ms: number) => left + (Math.log10(Math.max(1, ms)) / decades) * (width - left - right)
  const y = (share: number) => top + (1 - share) * (height - top - bottom)
  const grid = Array.from({ length: decades + 1 }, (_, d) => {
    const ms = 10 ** d
    const label = ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`
    return `<line x1="${x(ms)}" y1="${top}" x2="${x(ms)}" y2="${height - bottom}" stroke="#ddd"/>` +
      `<text x="${x(ms)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12">${label}</text>`
  }).join("")
  const shares = [0, 0.5, 0.95, 0.99, 1].map((share) =>
    `<line x1="${left}" y1="${y(share)}" x2="${width - right}" y2="${y(share)}" stroke="#eee"/>` +
    `<text x="${left - 8}" y="${y(share) + 4}" text-anchor="end" font-size="12">${Math.round(share * 100)}%</text>`).join("")
  const curves = series.map((s, i) => {
    const sorted = [...s.valuesMs].sort((a, b) => a - b)
    const step = Math.max(1, Math.floor(sorted.length / 400))
    const points = sorted.flatMap((v, k) =>
      k % step === 0 || k === sorted.length - 1 ? [`${x(v).toFixed(1)},${y((k + 1) / sorted.length).toFixed(1)}`] : [])
    const colour = COLOURS[i % COLOURS.length]!
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(" ")}"/>` +
      `<rect x="${left + 10}" y="${top + 10 + i * 20}" width="12" height="12" fill="${colour}"/>` +
      `<text x="${left + 28}" y="${top + 21 + i * 20}" font-size="13">${escape(s.label)} (${sorted.length})</text>`
  }).join("")
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>${grid}${shares}${curves}` +
    `<text x="${(left + width) / 2}" y="${height - 10}" text-anchor="middle" font-size="12">latency (log scale); y: share done within it</text></svg>\n`
}
