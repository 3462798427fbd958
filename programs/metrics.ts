import { Clock, Effect, Either, Metric, MetricState, Option } from "effect"
import type { MetricPair } from "effect/MetricPair"
import { Broker } from "../src/services/Broker.ts"
import { EventLoopLag } from "../src/services/EventLoopLag.ts"
import { OutboxRepo } from "../src/services/Outbox.ts"
import { MetricsSettings } from "../src/services/Settings.ts"
import { ActorRegistry } from "../src/services/Actors.ts"
import { currentTopology } from "./brokerTopology.ts"
import { deploymentActors } from "./replicas.ts"

type Labels = ReadonlyArray<readonly [string, string]>

const escape = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const labelText = (labels: Labels) =>
  labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`

const numberText = (n: number) => (n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n))

/** The lines of one recorded metric (counter or histogram) with its labels. */
const sampleLines = (pair: MetricPair.Untyped): ReadonlyArray<string> => {
  const name = pair.metricKey.name
  const labels: Labels = pair.metricKey.tags.map((t) => [t.key, t.value] as const)
  const state = pair.metricState
  if (MetricState.isCounterState(state)) return [`${name}${labelText(labels)} ${Number(state.count)}`]
  if (MetricState.isGaugeState(state)) return [`${name}${labelText(labels)} ${Number(state.value)}`]
  if (MetricState.isHistogramState(state)) {
    const buckets = state.buckets.filter(([bound]) => bound !== Infinity)
      .map(([bound, count]) => `${name}_bucket${labelText([...labels, ["le", numberText(bound)]])} ${count}`)
    return [
      ...buckets,
      `${name}_bucket${labelText([...labels, ["le", "+Inf"]])} ${state.count}`,
      `${name}_sum${labelText(labels)} ${state.sum}`,
      `${name}_count${labelText(labels)} ${state.count}`
    ]
  }
  return []
}

const typeOf = (pair: MetricPair.Untyped) =>
  MetricState.isCounterState(pair.metricState)
    ? "counter"
    : MetricState.isHistogramState(pair.metricState)
    ? "histogram"
    : MetricState.isGaugeState(pair.metricState)
    ? "gauge"
    : undefined

/** A gauge read at scrape time: its name, help, and samples. */
interface Gauge {
  readonly name: string
  readonly help: string
  readonly samples: ReadonlyArray<{ readonly labels: Labels; readonly value: number }>
}

/** Gauges read now: the outbox backlog, the actors here and, per company (or summed when labels are off), their circuit and queue. */
const scrapeGauges = Effect.gen(function*() {
  const { companyLabels } = yield* MetricsSettings
  const nowMs = yield* Clock.currentTimeMillis
  const backlog = yield* Effect.either((yield* OutboxRepo).backlog(new Date(nowMs)))
  const here = yield* (yield* ActorRegistry).all
  const workers = yield* Effect.map(deploymentActors, (entries) => entries.map((e) => e.status))
  const names = yield* currentTopology
  const consumers = yield* Effect.either((yield* Broker).consumers(names.workStream))
  const gauges: Array<Gauge> = []
  if (Either.isRight(backlog)) {
    gauges.push({ name: "si_outbox_pending", help: "Outbox events due and not yet published", samples: [{ labels: [], value: backlog.right.pending }] })
    const oldest = backlog.right.oldestDueAt
    gauges.push({
      name: "si_outbox_oldest_age_seconds",
      help: "How long the longest waiting unpublished outbox event has been due",
      samples: [{ labels: [], value: oldest === null ? 0 : (nowMs - oldest.getTime()) / 1000 }]
    })
  }
  gauges.push({ name: "si_actors", help: "Company actors running in this process", samples: [{ labels: [], value: here.length }] })
  gauges.push({
    name: "si_event_loop_lag_seconds",
    help: "How late this process runs its timers, smoothed over about a second",
    samples: [{ labels: [], value: (yield* EventLoopLag).current() / 1000 }]
  })
  const states = ["closed", "open", "half_open"] as const
  gauges.push({
    name: "si_circuit_state",
    help: "Company provider circuits by state, in every replica (1 per company when company labels are on)",
    samples: companyLabels
      ? workers.flatMap((w) => states.map((state) => ({ labels: [["company_id", w.companyId], ["state", state]] as Labels, value: w.circuit === state ? 1 : 0 })))
      : states.map((state) => ({ labels: [["state", state]] as Labels, value: workers.filter((w) => w.circuit === state).length }))
  })
  if (Either.isRight(consumers)) {
    const queued = consumers.right.map((c) => ({ company: c.name.replace(/^company-/, ""), value: c.pending + c.ackPending }))
    gauges.push({
      name: "si_company_backlog",
      help: "Deliveries waiting or in flight in each company's queue (summed when company labels are off)",
      samples: companyLabels
        ? queued.map((q) => ({ labels: [["company_id", q.company]] as Labels, value: q.value }))
        : [{ labels: [], value: queued.reduce((sum, q) => sum + q.value, 0) }]
    })
  }
  return gauges
})

/**
 * The service's metrics in the Prometheus text format: counters and histograms recorded so far in this process (jobs
 * created, delivery attempts by provider and outcome, delivery latency, provider call duration, webhook attempts,
 * HTTP requests by route template), and gauges read now. No label carries a job or routing id.
 */
export const prometheusText = Effect.fn("Metrics.scrape")(function*() {
  const pairs = yield* Metric.snapshot
  const byName = new Map<string, Array<MetricPair.Untyped>>()
  for (const pair of pairs) byName.set(pair.metricKey.name, [...(byName.get(pair.metricKey.name) ?? []), pair])
  const lines: Array<string> = []
  for (const [name, group] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const type = typeOf(group[0]!)
    if (type === undefined) continue
    const help = Option.getOrUndefined(group[0]!.metricKey.description)
    if (help !== undefined) lines.push(`# HELP ${name} ${help}`)
    lines.push(`# TYPE ${name} ${type}`, ...group.flatMap(sampleLines))
  }
  for (const gauge of yield* scrapeGauges) {
    lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`)
    for (const sample of gauge.samples) lines.push(`${gauge.name}${labelText(sample.labels)} ${sample.value}`)
  }
  return `${lines.join("\n")}\n`
})
