import { Metric, MetricBoundaries, MetricKey, type MetricKeyType, MetricLabel } from "effect"

/**
 * The metric of `key` tagged with the labels `names`, made once for each set of values and kept. A metric tagged with
 * `Metric.taggedWithLabels` looks its tagged key up in the registry again at every update (it joins its labels into a
 * new array each time); this one keeps its key's entry. For labels with few values
 * only (provider types, outcomes, route templates).
 */
export const taggedBy = <Type extends MetricKeyType.MetricKeyType<any, any>>(key: MetricKey.MetricKey<Type>, ...names: ReadonlyArray<string>) => {
  const made = new Map<string, Metric.Metric<Type, MetricKeyType.MetricKeyType.InType<Type>, MetricKeyType.MetricKeyType.OutType<Type>>>()
  return (...values: ReadonlyArray<string>) => {
    const cacheKey = values.join("\u0000")
    const known = made.get(cacheKey)
    if (known !== undefined) return known
    const tagged = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, names.map((name, i) => MetricLabel.make(name, values[i] ?? ""))))
    made.set(cacheKey, tagged)
    return tagged
  }
}

/** Latencies from 5 ms to about 20 minutes, in seconds (the SLA is 5 minutes). */
const latencyBuckets = MetricBoundaries.exponential({ start: 0.005, factor: 2.5, count: 14 })

/** Jobs accepted by `POST /jobs` and `POST /jobs/bulk`, each job once (not its replays). */
export const jobsCreated = Metric.counter("si_jobs_created_total", { description: "Jobs accepted", incremental: true })

/** One delivery attempt's end, tagged `provider` and `outcome` (synced, retrying, rate_limited, dead_lettered). */
export const deliveryAttempts = MetricKey.counter("si_delivery_attempts_total", {
  description: "Delivery attempts by provider and outcome",
  incremental: true
})

/** Job accepted → lead accepted by the provider, for each routing delivered. */
export const deliveryLatency = Metric.histogram(
  "si_delivery_latency_seconds",
  latencyBuckets,
  "Job accepted to lead accepted by the provider"
)

/** How long a provider took to answer a create (or lookup), tagged `provider`. */
export const providerCallDuration = MetricKey.histogram(
  "si_provider_call_duration_seconds",
  latencyBuckets,
  "Provider call duration by provider"
)

/** The inputs of each group-committed batch (intake transactions, delivery reads, claims and writes), tagged `stage`. */
export const groupCommitBatchSize = MetricKey.histogram(
  "si_group_commit_batch_size",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 8 }),
  "Inputs of each group-committed batch by stage"
)

/** Webhook delivery attempts, tagged `status` (delivered, failed). */
export const webhookAttempts = MetricKey.counter("si_webhook_attempts_total", {
  description: "Webhook delivery attempts by status",
  incremental: true
})

/** HTTP requests answered, tagged `method`, `route` (the template, never an id) and `status`. */
export const httpRequests = MetricKey.counter("si_http_requests_total", {
  description: "HTTP requests by method, route template and status",
  incremental: true
})

/** Requests refused with 503 because the API was at `HTTP_MAX_IN_FLIGHT`. */
export const httpRequestsShed = Metric.counter("si_http_requests_shed_total", {
  description: "HTTP requests refused because the service was at capacity",
  incremental: true
})
