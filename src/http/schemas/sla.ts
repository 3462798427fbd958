import { z } from "@hono/zod-openapi"
import { Option } from "effect"
import { parseSlaWindow } from "../../domain/sla.ts"
import { Timestamp } from "./common.ts"

/** `?window=`: parsed into the window it names, or a 400 naming `window`. */
export const SlaQuery = z.object({
  window: z.string().max(16).default("24h").transform((text, ctx) => {
    const window = parseSlaWindow(text)
    if (Option.isSome(window)) return window.value
    ctx.addIssue({ code: "custom", message: "a whole number of minutes, hours or days (15m, 1h, 24h, 7d), at most 90d" })
    return z.NEVER
  }).openapi({
    type: "string",
    example: "24h",
    description: "How far back to look at accepted jobs: `<n>m`, `<n>h` or `<n>d`, at most 90 days; default 24h"
  })
})

const Percentile = (p: string) =>
  z.number().nullable().openapi({
    description: `The ${p} delivery latency in milliseconds (percentile_disc: one of the measured latencies); ` +
      "null when nothing was delivered"
  })

/** The answer of `GET /admin/sla`. */
export const SlaView = z.object({
  window: z.string().openapi({ example: "24h" }),
  from: Timestamp,
  to: Timestamp,
  delivered: z.number().int().openapi({
    description: "Routings of jobs accepted in the window whose lead the provider accepted"
  }),
  p50_ms: Percentile("median"),
  p95_ms: Percentile("95th percentile"),
  p99_ms: Percentile("99th percentile"),
  breaches: z.number().int().openapi({
    description: "Routings of jobs accepted in the window delivered more than 5 minutes after the job was accepted, " +
      "or not delivered (pending, retrying, syncing, failed) and accepted more than 5 minutes ago"
  })
}).openapi("DeliverySla")

/** `?minutes=`: how many minutes back, the current one included. */
export const ThroughputQuery = z.object({
  minutes: z.coerce.number().int().min(1).max(1440).default(30).openapi({
    type: "integer",
    example: 30,
    description: "How many minutes to answer, the current (partial) one last; 1 to 1440, default 30"
  })
})

/** The answer of `GET /admin/throughput`. */
export const ThroughputView = z.object({
  items: z.array(z.object({
    minute: Timestamp.openapi({ description: "The minute's start" }),
    jobs: z.number().int().openapi({ description: "Jobs accepted in the minute" }),
    deliveries: z.number().int().openapi({ description: "Routings whose lead a provider accepted in the minute" })
  }))
}).openapi("Throughput")
