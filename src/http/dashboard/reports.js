// Reports: leads delivered, completed and canceled, revenue, conversion and delivery time per receiving company, a
// chart of deliveries and completions per day, and the company table as a CSV download.
import { pairedBarChart, totalOf } from "./chart.js"
import { h, replace, table, update } from "./dom.js"
import { count, duration, money } from "./format.js"

const DAY_MS = 86_400_000
const DAYS = 30

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10)

const percent = (rate) => `${(rate * 100).toFixed(1)} %`

/** Deliveries and completions of each UTC day as paired bars, the latest on the right. */
const dailyChart = (items) =>
  pairedBarChart({
    items,
    series: [["delivered", "deliveries"], ["completed", "completions"]],
    unit: "day",
    label: `${items.length} days: ${totalOf(items, "delivered")} deliveries, ${totalOf(items, "completed")} completions`,
    periodOf: (d) => d.day
  })

const legend = () =>
  h("p", { class: "legend" }, h("span", { class: "swatch swatch-deliveries" }), "deliveries ", h("span", { class: "swatch swatch-completions" }), "completions")

const companyTable = (rows) =>
  table({
    caption: "Figures per receiving company",
    empty: "No lead was delivered in this period.",
    rows,
    rowKey: (row) => row.company_id,
    columns: [
      { label: "Company", cell: (row) => row.company_name },
      { label: "Delivered", cell: (row) => count(row.delivered) },
      { label: "Completed", cell: (row) => count(row.completed) },
      { label: "Canceled", cell: (row) => count(row.canceled) },
      { label: "Revenue", cell: (row) => money(row.revenue) },
      { label: "Conversion", cell: (row) => percent(row.conversion_rate) },
      { label: "Delivery p50", cell: (row) => duration(row.delivery_p50_ms) },
      { label: "Delivery p95", cell: (row) => duration(row.delivery_p95_ms) }
    ]
  })

/** The period form, the daily chart and the company table; read when the period changes, not on every refresh. */
export const mount = (root, ctx) => {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS
  const fromInput = h("input", { id: "report-from", type: "date", value: isoDay(today - (DAYS - 1) * DAY_MS), required: true })
  const throughInput = h("input", { id: "report-through", type: "date", value: isoDay(today), required: true })
  const error = h("p", { class: "error", role: "alert" })
  const chart = h("div", { class: "chart-frame" })
  const companies = h("div")
  let shownPeriod = null

  /** `from` and `to` (the day after the last one, exclusive) of the days chosen. */
  const period = () => {
    const through = Date.parse(throughInput.value)
    return new URLSearchParams({ from: fromInput.value, to: Number.isNaN(through) ? "" : isoDay(through + DAY_MS) })
  }

  const load = async () => {
    const query = period().toString()
    const [daily, byCompany] = await Promise.all([
      ctx.api.get(`/reports/daily?${query}`),
      ctx.api.get(`/reports/companies?${query}`)
    ])
    shownPeriod = query
    error.textContent = ""
    update(chart, daily.items, dailyChart)
    update(companies, byCompany.items, companyTable)
  }

  const show = (event) => {
    event.preventDefault()
    load().catch((failure) => {
      error.textContent = failure.message
    })
  }

  const download = async () => {
    const query = period()
    try {
      const csv = await ctx.api.csv(`/reports/companies?${query}`)
      const href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }))
      const link = h("a", { href, download: `companies-${query.get("from")}-${query.get("to")}.csv`, hidden: true })
      root.append(link)
      link.click()
      link.remove()
      // Revoked once the browser has surely taken the file; revoking at once can cancel the download.
      setTimeout(() => URL.revokeObjectURL(href), 60_000)
    } catch (failure) {
      ctx.notify(`Could not download the CSV: ${failure.message}`, true)
    }
  }

  replace(root,
    h("h1", {}, "Reports"),
    h("form", { class: "toolbar", "aria-label": "Report period", onsubmit: show },
      h("label", { for: "report-from" }, "From"), fromInput,
      h("label", { for: "report-through" }, "Through"), throughInput,
      h("button", { type: "submit" }, "Show"),
      h("button", { type: "button", class: "quiet", onclick: () => void download() }, "Download CSV"),
      error),
    h("section", { class: "panel", "aria-labelledby": "daily-title" },
      h("h2", { id: "daily-title" }, "Deliveries and completions per day (UTC)"), legend(), chart),
    h("section", { class: "panel", "aria-labelledby": "companies-title" },
      h("h2", { id: "companies-title" }, "Per receiving company"), companies))

  return {
    // A report can take a while over a long period: it is read once per period shown, not on the 1-second refresh.
    refresh: () => (shownPeriod === null ? load() : Promise.resolve())
  }
}
