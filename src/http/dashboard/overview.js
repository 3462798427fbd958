// Overview: throughput, delivery latency against the SLA, the outbox, dead letters, and the latest jobs.
import { pairedBarChart, totalOf } from "./chart.js"
import { badge, card, h, replace, table, update } from "./dom.js"
import { count, duration, SLA_MS, shortId, time } from "./format.js"

const MINUTES = 30

/** Jobs and deliveries of each minute as paired bars, the newest on the right. */
const throughputChart = (items) =>
  pairedBarChart({
    items,
    series: [["jobs", "jobs"], ["deliveries", "deliveries"]],
    unit: "min",
    label: `Last ${items.length} minutes: ${totalOf(items, "jobs")} jobs accepted, ${totalOf(items, "deliveries")} deliveries`,
    periodOf: (m) => new Date(m.minute).toLocaleTimeString()
  })

const legend = () =>
  h("p", { class: "legend" }, h("span", { class: "swatch swatch-jobs" }), "jobs accepted ", h("span", { class: "swatch swatch-deliveries" }), "deliveries")

const latencyCard = (sla) => {
  const within = sla.p99_ms === null || sla.p99_ms <= SLA_MS
  return card(
    "Delivery latency (last hour)",
    `p99 ${duration(sla.p99_ms)}`,
    h("dl", { class: "pairs" },
      h("dt", {}, "p50"), h("dd", {}, duration(sla.p50_ms)),
      h("dt", {}, "p95"), h("dd", {}, duration(sla.p95_ms)),
      h("dt", {}, "p99"), h("dd", {}, duration(sla.p99_ms))),
    h("label", { class: "meter-label" }, "p99 against the 5-minute SLA",
      h("meter", { min: 0, max: SLA_MS, low: SLA_MS * 0.5, high: SLA_MS * 0.9, optimum: 0, value: Math.min(sla.p99_ms ?? 0, SLA_MS) })),
    h("p", {}, within ? badge("within SLA", "ok") : badge("SLA breached", "bad"), ` ${count(sla.breaches)} breaches, ${count(sla.delivered)} delivered`)
  )
}

const latestJobs = (jobs) =>
  table({
    caption: "Latest jobs",
    empty: "No jobs yet. Jobs appear here as soon as they are accepted.",
    rows: jobs,
    rowKey: (job) => job.id,
    columns: [
      { label: "Job", cell: (job) => h("a", { href: `#job/${job.id}`, title: job.id }, `${shortId(job.id)} · ${job.summary}`) },
      { label: "Status", cell: (job) => badge(job.status) },
      { label: "Delivered", cell: (job) => `${job.routings.filter((r) => r.sync_status === "synced").length} of ${job.routings.length}` },
      { label: "Accepted", cell: (job) => time(job.created_at) }
    ]
  })

export const mount = (root, ctx) => {
  const cards = h("div", { class: "cards" })
  const chart = h("div", { class: "chart-frame" })
  const latest = h("div")
  replace(root,
    h("h1", {}, "Overview"),
    cards,
    h("section", { class: "panel", "aria-labelledby": "throughput-title" },
      h("h2", { id: "throughput-title" }, `Jobs and deliveries per minute, last ${MINUTES} minutes`), legend(), chart),
    h("section", { class: "panel", "aria-labelledby": "latest-title" }, h("h2", { id: "latest-title" }, "Latest jobs"), latest))

  const figures = async () => {
    const [throughput, sla, outbox, streams] = await Promise.all([
      ctx.api.get(`/admin/throughput?minutes=${MINUTES}`),
      ctx.api.get("/admin/sla?window=1h"),
      ctx.api.get("/admin/outbox"),
      ctx.api.get("/admin/streams")
    ])
    const minutes = throughput.items
    const [previous, now] = [minutes[minutes.length - 2] ?? { jobs: 0, deliveries: 0 }, minutes[minutes.length - 1]]
    const deadLetters = streams.items.find((s) => s.name.endsWith("_dead_letters"))?.messages ?? 0
    update(cards, { previous, now, sla, outbox, deadLetters }, () => [
      card("Jobs / min", count(previous.jobs), h("p", {}, `${count(now.jobs)} so far this minute`)),
      card("Deliveries / min", count(previous.deliveries), h("p", {}, `${count(now.deliveries)} so far this minute`)),
      latencyCard(sla),
      card("Outbox", `${count(outbox.pending)} waiting`, h("p", {}, `oldest ${duration(outbox.oldest_pending_age_ms)}`)),
      card("Dead letters", count(deadLetters), h("p", {}, h("a", { href: "#dead-letters" }, deadLetters > 0 ? "Review and replay" : "None to review")))
    ])
    update(chart, minutes, throughputChart)
  }

  return {
    // The latest jobs are drawn as soon as they come, without waiting for the slower figures.
    refresh: () => Promise.all([
      ctx.api.get("/jobs?limit=10").then((jobs) => update(latest, jobs.items, latestJobs)),
      figures()
    ])
  }
}
