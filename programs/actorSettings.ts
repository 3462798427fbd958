import { Deferred, Effect, Ref } from "effect"

/** What an actor reads of its company each time round, as the supervisor keeps it up to date. */
export interface ActorSettings {
  readonly rateLimitPerMinute: number
  readonly paused: boolean
}

/** An actor's settings, set by the supervisor, with a signal for the pull a pause must cut short. */
export interface ActorSettingsCell {
  readonly get: Effect.Effect<ActorSettings>
  readonly set: (next: ActorSettings) => Effect.Effect<void>
  /** Completes when the company is paused (at once while it is). */
  readonly paused: Effect.Effect<void>
}

/**
 * The signal is a deferred completed on a pause and replaced by a fresh one on resume, so that waiting for a pause
 * costs nothing per pull (a stream of the settings' changes run for every pull cost a fifth of the service's CPU a job
 * in `npm run bench`).
 */
export const makeActorSettings = (initial: ActorSettings): Effect.Effect<ActorSettingsCell> =>
  Effect.gen(function*() {
    const current = yield* Ref.make(initial)
    const pauseSignal = yield* Ref.make(yield* Deferred.make<void>())
    const signal = (paused: boolean) =>
      Effect.flatMap(Ref.get(pauseSignal), (pause) =>
        paused
          ? Deferred.succeed(pause, undefined)
          : Effect.flatMap(Deferred.isDone(pause), (done) =>
            done ? Effect.flatMap(Deferred.make<void>(), (fresh) => Ref.set(pauseSignal, fresh)) : Effect.void
          ))
    yield* signal(initial.paused)
    return {
      get: Ref.get(current),
      set: (next) => Ref.set(current, next).pipe(Effect.zipRight(signal(next.paused))),
      paused: Effect.flatMap(Ref.get(pauseSignal), Deferred.await)
    }
  })
