import { afterAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Logger, Option } from "effect"
import { vi } from "vitest"
import { jsonLogger } from "../../src/Logging.ts"
import { Broker } from "../../src/services/Broker.ts"
import { layer } from "../../layers/broker/jetstream.ts"
import { brokerContract, testPrefix } from "../contracts/broker.contract.ts"
import { deleteStreams, NATS_TEST_URL } from "../support/nats.ts"

brokerContract("jetstream", layer({ servers: NATS_TEST_URL, name: "broker-contract-test" }))

afterAll(() => deleteStreams(NATS_TEST_URL, testPrefix))

describe("broker: JetStream at a URL with a user and password", () => {
  it.live("names the server without them when it cannot be reached, in its errors and its logs", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      const spy = vi.spyOn(globalThis.console, "log").mockImplementation((line: string) => void written.push(line))
      const error = yield* Effect.flip(Effect.flatMap(Broker, (broker) => broker.ensureStream({
        name: "unreachable",
        subjects: ["unreachable.>"],
        retention: "limits",
        duplicateWindow: Duration.seconds(10),
        maxAge: Option.none(),
        replicas: 1
      }))).pipe(
        Effect.provide(layer({ servers: "nats://svc:s3cret@127.0.0.1:1", name: "credentials-test" })),
        Effect.provide(Logger.replace(Logger.defaultLogger, jsonLogger)),
        Effect.ensuring(Effect.sync(() => spy.mockRestore()))
      )
      expect(error.message).toContain("nats://127.0.0.1:1")
      expect(error.message).not.toContain("s3cret")
      expect(written.join("\n")).not.toContain("s3cret")
    }), 30_000)
})
