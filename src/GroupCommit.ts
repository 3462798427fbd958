import { Array as Arr, Cause, Chunk, Clock, Deferred, Effect, Either, Exit, Metric, Option, Queue, type Scope, type Tracer } from "effect"
import { groupCommitBatchSize, taggedBy } from "./Metrics.ts"
import type { NonEmptyReadonlyArray } from "effect/Array"

export interface GroupCommitOptions<I, A, E, EB, R> {
  /** The span of each batch. */
  readonly name: string
  /** The most inputs one batch takes. */
  readonly maxBatch: number
  /** Answers each input of a batch, in order, with its own result or error; a failure of the whole fails every input. */
  readonly run: (inputs: NonEmptyReadonlyArray<I>) => Effect.Effect<ReadonlyArray<Either.Either<A, E>>, EB, R>
}

interface Pending<I, A, E> {
  readonly input: I
  readonly done: Deferred.Deferred<A, E>
  readonly span: Option.Option<Tracer.AnySpan>
}

type Batch<I, A, E> = NonEmptyReadonlyArray<Pending<I, A, E>>

const batchSizeOf = taggedBy(groupCommitBatchSize, "stage")

/**
 * Group commit: one batch runs at a time; inputs submitted meanwhile wait, and the next batch takes all of them (up to
 * `maxBatch`). A lone input goes through at once: a batch is whatever waits, never a wait for more. Each submitter gets
 * its own answer. A batch of one runs in a span under its submitter's; a larger one in a trace of its own, linked to
 * each submitter's span, which gets an event naming the batch.
 */
export const make = <I, A, E, EB, R>(
  options: GroupCommitOptions<I, A, E, EB, R>
): Effect.Effect<(input: I) => Effect.Effect<A, E | EB>, never, R | Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Pending<I, A, E | EB>>()
    const batchSize = batchSizeOf(options.name)

    const answer = (batch: Batch<I, A, E | EB>) => (outcome: Exit.Exit<ReadonlyArray<Either.Either<A, E>>, EB>) =>
      Effect.forEach(batch, (pending, i) =>
        Deferred.done(
          pending.done,
          Exit.isSuccess(outcome)
            ? Either.match(outcome.value[i]!, { onLeft: Exit.fail, onRight: Exit.succeed })
            : Exit.failCause(outcome.cause)
        ), { discard: true })

    /** An event on each submitter's span pointing at the batch's span, when that is in another trace. */
    const markSubmitters = (batch: Batch<I, A, E | EB>) =>
      Effect.gen(function*() {
        const span = yield* Effect.currentSpan
        // From milliseconds: TestClock's nanoseconds throw on a fractional millisecond.
        const at = BigInt(Math.round(yield* Clock.currentTimeMillis)) * 1_000_000n
        for (const pending of batch) {
          const submitter = Option.getOrUndefined(pending.span)
          if (submitter?._tag !== "Span" || submitter.traceId === span.traceId) continue
          submitter.event(`${options.name} batch`, at, {
            "batch.trace_id": span.traceId,
            "batch.span_id": span.spanId,
            "batch.size": batch.length
          })
        }
      }).pipe(
        // Tracing must never stop the worker, which every submitter waits on.
        Effect.catchAllCause((cause) =>
          Effect.logWarning("batch span events not recorded").pipe(Effect.annotateLogs("cause", Cause.pretty(cause)))
        )
      )

    const runBatch = (batch: Batch<I, A, E | EB>) => {
      const spans = batch.flatMap((pending) => Option.toArray(pending.span))
      const [only] = spans
      const placement = batch.length === 1 && only !== undefined
        ? { parent: only }
        : { root: true, links: spans.map((span): Tracer.SpanLink => ({ _tag: "SpanLink", span, attributes: {} })) }
      return Metric.update(batchSize, batch.length).pipe(
        Effect.zipRight(options.run(Arr.map(batch, (pending) => pending.input))),
        Effect.exit,
        Effect.tap(() => markSubmitters(batch)),
        Effect.flatMap(answer(batch)),
        Effect.withSpan(options.name, { ...placement, captureStackTrace: false, attributes: { "batch.size": batch.length } }),
        Effect.onInterrupt(() => Effect.forEach(batch, (pending) => Deferred.interrupt(pending.done), { discard: true }))
      )
    }

    // Added before the worker is forked, so it runs after the worker is interrupted: whoever still waits is interrupted.
    yield* Effect.addFinalizer(() =>
      Queue.takeAll(queue).pipe(
        Effect.flatMap((waiting) => Effect.forEach(waiting, (pending) => Deferred.interrupt(pending.done), { discard: true })),
        Effect.zipRight(Queue.shutdown(queue))
      )
    )
    // After waiting for the first input, whatever else came meanwhile joins it (`takeBetween` would wake with one).
    yield* Queue.take(queue).pipe(
      Effect.flatMap((first) => Effect.map(Queue.takeUpTo(queue, options.maxBatch - 1), (rest) => Chunk.prepend(rest, first))),
      Effect.flatMap((chunk) => {
        const batch = Chunk.toReadonlyArray(chunk)
        return Arr.isNonEmptyReadonlyArray(batch) ? runBatch(batch) : Effect.void
      }),
      Effect.forever,
      Effect.forkScoped
    )

    return (input: I) =>
      Effect.gen(function*() {
        const done = yield* Deferred.make<A, E | EB>()
        yield* Queue.offer(queue, { input, done, span: yield* Effect.option(Effect.currentSpan) })
        return yield* Deferred.await(done)
      })
  })
