import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { connect } from "@nats-io/transport-node"
import { Duration, Effect, Logger, LogLevel, Option } from "effect"
import { layer } from "../../layers/broker/jetstream.ts"
import { Broker } from "../../src/services/Broker.ts"
import { type PrivateNatsServer, startNatsServer } from "../support/nats.ts"

const USER = "alice"
/** With characters a URL must percent-encode. */
const PASSWORD = "s3c:ret@/x"

/** The server's URL carrying the user and password, as `NATS_URL` may. */
const withCredentials = (url: string) => url.replace("nats://", `nats://${USER}:${encodeURIComponent(PASSWORD)}@`)

describe("broker: JetStream on a server that asks for a user and password", () => {
  let server: PrivateNatsServer | undefined

  beforeAll(async () => {
    server = await startNatsServer(["--user", USER, "--pass", PASSWORD])
  })

  afterAll(async () => {
    await server?.dispose()
  })

  it("refuses a client without them", async () => {
    await expect(connect({ servers: [server!.url], reconnect: false, timeout: 5_000 })).rejects.toThrow(/Authorization/)
  })

  it.live("is used with the user and password of NATS_URL", () =>
    Effect.gen(function*() {
      const broker = yield* Broker
      yield* broker.ensureStream({
        name: "auth",
        subjects: ["auth.>"],
        retention: "limits",
        duplicateWindow: Duration.seconds(30),
        maxAge: Option.none(),
        replicas: 1
      })
      expect(yield* broker.publish("auth.a", new TextEncoder().encode("hello"), { msgId: "1" })).toEqual({
        sequence: 1,
        duplicate: false
      })
    }).pipe(
      Effect.provide(layer({ servers: withCredentials(server!.url), name: "auth-test" })),
      Logger.withMinimumLogLevel(LogLevel.Error)
    ))
})
