// How numbers, times and durations read on the dashboard.

export const SLA_MS = 5 * 60 * 1000

/** 850 ms, 1.2 s, 3.5 min, 2.0 h. */
export const duration = (ms) => {
  if (ms === null || ms === undefined) return "—"
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}

/** A time of day in the browser's zone, with the date when it is not today. */
export const time = (iso) => {
  if (!iso) return "—"
  const at = new Date(iso)
  const today = new Date().toDateString() === at.toDateString()
  return today ? at.toLocaleTimeString() : at.toLocaleString()
}

/** How long ago, roughly: "12 s ago", "3 min ago". */
export const ago = (iso) => (iso ? `${duration(Math.max(0, Date.now() - Date.parse(iso)))} ago` : "—")

export const count = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString())

export const money = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString(undefined, { style: "currency", currency: "USD" }))

/** The first 8 characters of an id, the rest in the title. */
export const shortId = (id) => (id ? id.slice(0, 8) : "—")
