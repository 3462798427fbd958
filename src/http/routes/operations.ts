import { z } from "@hono/zod-openapi"
import { deleteDeadLetter, listDeadLetters, replayDeadLetter } from "../../../programs/deadLetters.ts"
import { listMockLeads, listStreams, listWorkers, outboxBacklog, setDeliveryPaused } from "../../../programs/operations.ts"
import { listReplicas } from "../../../programs/replicas.ts"
import { replayDeadLetters } from "../../../programs/replayDeadLetters.ts"
import { retryFailedRoutings } from "../../../programs/retryFailedRoutings.ts"
import { CompanyId } from "../../domain/ids.ts"
import type { Run } from "../router.ts"
import { routesTagged } from "../route.ts"
import { answers, idParam, json } from "../schemas/common.ts"
import { CompanyView } from "../schemas/companies.ts"
import {
  DeadLetterIdParam,
  DeadLetterQuery,
  DeadLetterView,
  MockLeadsQuery,
  MockLeadsView,
  OutboxView,
  PartitionView,
  ReplayDeadLettersBody,
  ReplayDeadLettersView,
  ReplicaView,
  RetryRoutingsBody,
  RetryRoutingsView,
  StreamView,
  WorkerView
} from "../schemas/operations.ts"
import {
  companyView,
  deadLetterView,
  mockLeadView,
  partitionView,
  replicaView,
  streamView,
  workerView
} from "../views.ts"
import type { AlertRepo } from "../../services/Alerts.ts"
import type { Broker } from "../../services/Broker.ts"
import type { CompanyRepo } from "../../services/Companies.ts"
import type { MockLeadStore } from "../../services/MockLeads.ts"
import type { OutboxRepo } from "../../services/Outbox.ts"
import type { CurrentReplica, PartitionLeases } from "../../services/Partitions.ts"
import type { RoutingRepo } from "../../services/Routings.ts"
import type { BrokerPrefix, DeliverySettings } from "../../services/Settings.ts"
import type { Transactions } from "../../services/Transactions.ts"
import type { ActorRegistry, DeliveryDirectory } from "../../services/Actors.ts"

/** The services the operations routes may use. */
export type OperationServices = ActorRegistry | AlertRepo | Broker | BrokerPrefix | CompanyRepo | CurrentReplica | DeliveryDirectory | DeliverySettings | MockLeadStore | OutboxRepo | PartitionLeases | RoutingRepo | Transactions

/** A GET that takes nothing: its answer is what its summary says. */
const plainGet = <S extends z.ZodType>(summary: string, schema: S) => ({ summary, responses: { 200: answers(summary, schema) } })

/** Operations (admin): actors, pause and resume, streams, dead letters, the outbox, and what the mock provider received. */
export const operationRoutes = (run: Run<OperationServices>) => {
  const routes = routesTagged("operations")

  routes.get(
    "/admin/workers",
    plainGet(
      "One entry per company actor in the deployment (each replica's), and one per partition of the work stream",
      z.object({ items: z.array(WorkerView), partitions: z.array(PartitionView) })
    ),
    async (c) => {
      const { actors, partitions } = await run(c, listWorkers())
      return c.json({ items: actors.map(workerView), partitions: partitions.map(partitionView) }, 200)
    }
  )

  routes.get(
    "/admin/replicas",
    plainGet(
      "Every replica of the service registered with the database: its partitions and when it was last seen",
      z.object({ items: z.array(ReplicaView) })
    ),
    async (c) => c.json({ items: (await run(c, listReplicas())).map(replicaView) }, 200)
  )

  for (const [action, paused] of [["pause", true], ["resume", false]] as const) {
    routes.post(`/admin/companies/{id}/${action}`, {
      summary: paused ? "Stop delivering to a company until resumed" : "Deliver to a paused company again",
      request: { params: idParam(CompanyId) },
      responses: { 200: answers("The company", CompanyView) }
    }, async (c) => c.json(companyView(await run(c, setDeliveryPaused(c.req.valid("param").id, paused))), 200))
  }

  routes.get(
    "/admin/streams",
    plainGet("Every stream and consumer the service owns, as the broker reports them", z.object({ items: z.array(StreamView) })),
    async (c) => c.json({ items: (await run(c, listStreams())).map(streamView) }, 200)
  )

  routes.get("/admin/dlq", {
    summary: "Dead letters, oldest first",
    request: { query: DeadLetterQuery },
    responses: { 200: answers("Dead letters", z.object({ items: z.array(DeadLetterView) })) }
  }, async (c) => c.json({ items: (await run(c, listDeadLetters(c.req.valid("query").limit))).map(deadLetterView) }, 200))

  routes.post("/admin/dlq/replay", {
    summary: "Deliver again the routings of every matching dead letter and remove those dead letters (`{}`, or no body: every one)",
    description: "Works through the dead-letter stream 500 at a time within the request, and answers when done. A dead " +
      "letter that names no routing, or whose routing is no longer failed, is skipped and left in place.",
    request: { body: json(ReplayDeadLettersBody) },
    responses: { 200: answers("How many", ReplayDeadLettersView) },
    extraErrors: [404]
  }, async (c) => {
    const body = c.req.valid("json")
    const result = await run(c, replayDeadLetters({ companyId: body.company_id, reasonContains: body.reason_contains, before: body.before }))
    return c.json(result, 200)
  })

  routes.post("/admin/routings/retry", {
    summary: "Deliver again every failed routing of a company",
    description: "Reopens them 500 at a time (one transaction each) within the request, and answers when done; their " +
      "dead letters stay, as with `POST /routings/{id}/retry`.",
    request: { body: json(RetryRoutingsBody) },
    responses: { 200: answers("How many", RetryRoutingsView) },
    extraErrors: [404]
  }, async (c) => c.json(await run(c, retryFailedRoutings(c.req.valid("json").company_id)), 200))

  routes.post("/admin/dlq/{id}/replay", {
    summary: "Deliver a dead letter's routing again and remove the dead letter",
    request: { params: DeadLetterIdParam },
    responses: { 200: answers("The dead letter replayed", DeadLetterView) },
    extraErrors: [409]
  }, async (c) => c.json(deadLetterView(await run(c, replayDeadLetter(c.req.valid("param").id))), 200))

  routes.delete("/admin/dlq/{id}", {
    summary: "Remove a dead letter",
    request: { params: DeadLetterIdParam },
    responses: { 200: answers("Removed", z.object({ id: z.number().int(), deleted: z.literal(true) })) }
  }, async (c) => {
    const { id } = c.req.valid("param")
    await run(c, deleteDeadLetter(id))
    return c.json({ id, deleted: true as const }, 200)
  })

  routes.get(
    "/admin/outbox",
    plainGet("Outbox events waiting to be published", OutboxView),
    async (c) => {
      const backlog = await run(c, outboxBacklog())
      return c.json({ pending: backlog.pending, oldest_pending_age_ms: backlog.oldestPendingAgeMs }, 200)
    }
  )

  routes.get("/admin/providers/mock/leads", {
    summary: "What the mock provider received (newest first); duplicates must stay 0",
    request: { query: MockLeadsQuery },
    responses: { 200: answers("Leads", MockLeadsView) }
  }, async (c) => {
    const q = c.req.valid("query")
    const page = await run(c, listMockLeads(q.company_id ?? null, q.limit))
    return c.json({ items: page.items.map(mockLeadView), total: page.total, duplicates: page.duplicates }, 200)
  })

  return routes.router
}
