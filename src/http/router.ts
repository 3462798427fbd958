import type { RateLimiter } from "@effect/experimental"
import { OpenAPIHono } from "@hono/zod-openapi"
import { Effect, Exit, Runtime } from "effect"
import type { Context } from "hono"
import type { Principal } from "../domain/principal.ts"
import type { AlertRepo } from "../services/Alerts.ts"
import type { ApiKeyRepo } from "../services/ApiKeys.ts"
import type { ArchiveRepo } from "../services/Archive.ts"
import type { CompanyRepo, TechnicianRepo } from "../services/Companies.ts"
import type { CompanyDirectory } from "../services/CompanyDirectory.ts"
import { CurrentPrincipal } from "../services/CurrentPrincipal.ts"
import type { EventLoopLag } from "../services/EventLoopLag.ts"
import type { HealthProbes } from "../services/Health.ts"
import type { IdempotencyRepo } from "../services/Idempotency.ts"
import type { JobIntake } from "../services/JobIntake.ts"
import type { JobRepo } from "../services/Jobs.ts"
import type { OutboxRepo } from "../services/Outbox.ts"
import type { Secrets } from "../services/Secrets.ts"
import type { Broker } from "../services/Broker.ts"
import type { MockLeadStore } from "../services/MockLeads.ts"
import type { ReportsRepo } from "../services/Reports.ts"
import type { RoutingRepo } from "../services/Routings.ts"
import type { SlaRepo } from "../services/Sla.ts"
import type { StatusPolls } from "../services/StatusPolls.ts"
import type { Providers } from "../services/Providers.ts"
import type {
  AdminKey,
  BrokerPrefix,
  DashboardSettings,
  DeliverySettings,
  HttpSettings,
  IdempotencySettings,
  MatchSettings,
  MetricsSettings,
  OutboundAddresses
} from "../services/Settings.ts"
import type { DeliveryDirectory, ActorRegistry } from "../services/Actors.ts"
import type { Transactions } from "../services/Transactions.ts"
import type { WebhookRepo } from "../services/Webhooks.ts"
import { HttpAnswers } from "./answers.ts"
import { ProgramFailure, zodDetails } from "./errors.ts"
import type { RouteFailure } from "./failureAnswers.ts"
import type { CurrentReplica, PartitionLeases } from "../services/Partitions.ts"

/** Every service the routes' programs may use. */
export type ApiServices =
  | AdminKey
  | AlertRepo
  | ApiKeyRepo
  | ArchiveRepo
  | Broker
  | BrokerPrefix
  | CompanyDirectory
  | CompanyRepo
  | DeliveryDirectory
  | DeliverySettings
  | DashboardSettings
  | EventLoopLag
  | HttpSettings
  | MetricsSettings
  | HealthProbes
  | IdempotencyRepo
  | IdempotencySettings
  | JobIntake
  | JobRepo
  | MatchSettings
  | MockLeadStore
  | OutboundAddresses
  | OutboxRepo
  | Providers
  | RateLimiter.RateLimiter
  | ReportsRepo
  | RoutingRepo
  | Secrets
  | SlaRepo
  | StatusPolls
  | TechnicianRepo
  | Transactions
  | WebhookRepo
  | ActorRegistry
  | PartitionLeases
  | CurrentReplica

export interface ApiEnv {
  Variables: { principal: Principal }
}

/**
 * Runs a program for a request, as its caller; a failure is thrown for the error handler to answer. A program may fail
 * only with a `RouteFailure`, so each of its failures has its answer in `failureAnswers`.
 */
export type Run = <A, E extends RouteFailure>(c: Context<ApiEnv>, program: Effect.Effect<A, E, ApiServices | CurrentPrincipal>) => Promise<A>

/** Runs a program that needs no caller (authentication, health). */
export type RunPublic = <A, E extends RouteFailure>(program: Effect.Effect<A, E, ApiServices>) => Promise<A>

export const makeRunners = (runtime: Runtime.Runtime<ApiServices>) => {
  const runExit = Runtime.runPromiseExit(runtime)
  const runPublic: RunPublic = async (program) => {
    // Not interrupted when the client goes away: a request runs to its end, so its transaction commits or rolls back
    // on its own terms.
    const exit = await runExit(program)
    if (Exit.isSuccess(exit)) return exit.value
    throw new ProgramFailure(exit.cause)
  }
  const run: Run = (c, program) => runPublic(Effect.provideService(program, CurrentPrincipal, c.get("principal")))
  return { run, runPublic }
}

const targetNames: Record<string, string> = {
  json: "request body",
  query: "query parameters",
  param: "path parameters",
  header: "headers"
}

/** A router whose request validation fails with the API.md error body. */
export const makeRouter = () =>
  new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw HttpAnswers.validationError(`invalid ${targetNames[result.target] ?? result.target}`, zodDetails(result.error))
      }
    }
  })
