import { Context, type Effect, type Scope } from "effect"
import type { Conflict, Unavailable } from "../domain/errors.ts"
import type { CompanyId } from "../domain/ids.ts"
import type { ProviderError } from "./Providers.ts"
import type { StorageError } from "./StorageError.ts"

/** What a status poll of a company did: leads asked about, and how many of them had changed. */
export interface PollResult {
  readonly polled: number
  readonly changed: number
}

/** Why a poll asked for now did not run, or failed. */
export type PollNowError = Conflict | Unavailable | ProviderError | StorageError

/** A way to poll a company's open leads now, through its actor. */
export type PollNow = (companyId: CompanyId) => Effect.Effect<PollResult, PollNowError>

/** Status polls asked for now (`POST /companies/{id}/poll`), reaching the company actors of this process. */
export class StatusPolls extends Context.Tag("StatusPolls")<StatusPolls, {
  /**
   * Polls every open lead of the company now and answers what it did; `Unavailable` while no delivery runtime serves
   * polls here, or when the one that does cannot reach the company's actor now.
   */
  readonly pollNow: PollNow
  /** Makes `poll` the way `pollNow` reaches the actors, for as long as the scope is open (the delivery runtime's). */
  readonly serve: (poll: PollNow) => Effect.Effect<void, never, Scope.Scope>
}>() {}
