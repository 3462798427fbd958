import { Context, type Effect } from "effect"
import type { Conflict, InvalidReference } from "../domain/errors.ts"
import type { CreatedJob, IntakeRequest } from "../domain/intake.ts"
import type { StorageError } from "./StorageError.ts"

/** Where `POST /jobs` hands its job to be matched and written. */
export class JobIntake extends Context.Tag("JobIntake")<JobIntake, {
  /**
   * Matches and writes the request's job, with its routings, outbox events and idempotency record, together or not at
   * all; answers this request's own outcome, whatever other requests written beside it come to.
   */
  readonly submit: (request: IntakeRequest) => Effect.Effect<CreatedJob, Conflict | InvalidReference | StorageError>
}>() {}
