import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Logger } from "effect"
import { vi } from "vitest"
import { jsonLogger } from "../../src/Logging.ts"

/** The JSON lines `jsonLogger` writes while `program` runs. */
const linesOf = (program: Effect.Effect<unknown>) =>
  Effect.gen(function*() {
    const written: Array<string> = []
    const spy = vi.spyOn(globalThis.console, "log").mockImplementation((line: string) => void written.push(line))
    yield* program.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, jsonLogger)), Effect.ensuring(Effect.sync(() => spy.mockRestore())))
    return written.map((line) => JSON.parse(line) as Record<string, unknown>)
  })

describe("JSON logs", () => {
  it.effect("one object per line with time, level, message, the span's trace and span ids, and the annotations", () =>
    Effect.gen(function*() {
      const [line] = yield* linesOf(
        Effect.logWarning("delivery failed; will retry").pipe(
          Effect.annotateLogs({ routing_id: "r-1", attempts: 2 }),
          Effect.withSpan("Delivery.deliver")
        )
      )
      expect(line).toEqual({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: "warn",
        message: "delivery failed; will retry",
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        routing_id: "r-1",
        attempts: 2
      })
    }))

  it.effect("outside a span there are no trace ids; a failure's cause is included", () =>
    Effect.gen(function*() {
      const [line] = yield* linesOf(Effect.logError("boom", Cause.fail(new Error("disk full"))))
      expect(line).not.toHaveProperty("trace_id")
      expect(line).toMatchObject({ level: "error", message: "boom", cause: expect.stringContaining("disk full") })
    }))

  it.effect("a URL's user and password never reach a line, in the message, an annotation or the cause", () =>
    Effect.gen(function*() {
      const [line] = yield* linesOf(
        Effect.logError("NATS disconnect nats://svc:s3cret@nats.internal:4222", Cause.fail(new Error("at postgres://app:pw@db:5432/x"))).pipe(
          Effect.annotateLogs({ servers: "nats://svc:s3cret@a:4222,nats://svc:s3cret@b:4222" })
        )
      )
      expect(JSON.stringify(line)).not.toMatch(/s3cret|svc:|app:pw/)
      expect(line).toMatchObject({
        message: "NATS disconnect nats://nats.internal:4222",
        servers: "nats://a:4222,nats://b:4222",
        cause: expect.stringContaining("postgres://db:5432/x")
      })
    }))
})
