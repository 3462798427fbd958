import { OpenAPIHono } from "@hono/zod-openapi"
import { Effect, Exit, Runtime } from "effect"
import type { Context } from "hono"
import type { Principal } from "../domain/principal.ts"
import { CurrentPrincipal } from "../services/CurrentPrincipal.ts"
import { HttpAnswers } from "./answers.ts"
import { ProgramFailure, zodDetails } from "./errors.ts"
import type { RouteFailure } from "./failureAnswers.ts"

export interface ApiEnv {
  Variables: { principal: Principal }
}

/**
 * Runs a program for a request, as its caller; a failure is thrown for the error handler to answer. A program may fail
 * only with a `RouteFailure`, so each of its failures has its answer in `failureAnswers`, and may use only the services
 * `R` its route group names.
 */
export type Run<R> = <A, E extends RouteFailure>(c: Context<ApiEnv>, program: Effect.Effect<A, E, R | CurrentPrincipal>) => Promise<A>

/** Runs a program that needs no caller (authentication, health), using only the services `R`. */
export type RunPublic<R> = <A, E extends RouteFailure>(program: Effect.Effect<A, E, R>) => Promise<A>

/** The runners of programs on `runtime`: a route group given them may name any part of `R` as the services it uses. */
export const makeRunners = <R>(runtime: Runtime.Runtime<R>) => {
  const runExit = Runtime.runPromiseExit(runtime)
  const runPublic: RunPublic<R> = async (program) => {
    // Not interrupted when the client goes away: a request runs to its end, so its transaction commits or rolls back
    // on its own terms.
    const exit = await runExit(program)
    if (Exit.isSuccess(exit)) return exit.value
    throw new ProgramFailure(exit.cause)
  }
  const run: Run<R> = (c, program) => runPublic(Effect.provideService(program, CurrentPrincipal, c.get("principal")))
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
