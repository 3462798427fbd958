import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, type Layer } from "effect"
import { WebhookTransport } from "../../src/services/Webhooks.ts"

/** A POST as the receiver took it; header names in lower case. */
export interface ReceivedPost {
  readonly path: string
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * One implementation of the webhook transport and the receiver it reaches: at `url()`, `/status/<n>` answers n,
 * `/redirect` answers 302 to `/target`, `/slow` answers after `SLOW`.
 */
export interface WebhookTransportUnderTest {
  readonly layer: Layer.Layer<WebhookTransport>
  readonly url: () => string
  /** A URL where no receiver answers. */
  readonly unreachableUrl: () => string
  /** The POSTs the receiver took, in order. */
  readonly received: () => ReadonlyArray<ReceivedPost>
}

/** How late the receiver's `/slow` answers: past the contract's timeout. */
export const SLOW = Duration.seconds(1)
const TIMEOUT = Duration.millis(200)

/** What every webhook transport promises; run against each implementation. */
export const webhookTransportContract = (name: string, transport: WebhookTransportUnderTest) =>
  describe(`webhook transport: ${name}`, () => {
    const body = `{"type":"routing.synced", "note":"caf\u00e9 \u2713","n":1}`
    const headers = { "X-Event-Id": crypto.randomUUID(), "X-Signature": "sha256=5d41402abc4b2a76b9719d911017c592", "Event-Type": "routing.synced" }
    const post = (url: string) =>
      Effect.flatMap(WebhookTransport, (t) => t.post({ url, body, headers, timeout: TIMEOUT })).pipe(Effect.provide(transport.layer))
    const lastReceived = () => transport.received().at(-1)

    it.live("POSTs the signed body byte for byte with its headers, and answers the receiver's status", () =>
      Effect.gen(function*() {
        expect(yield* post(`${transport.url()}/status/200`)).toEqual({ status: 200 })
        const received = lastReceived()
        expect(received?.path).toBe("/status/200")
        expect(received?.body).toBe(body)
        expect(received?.headers).toMatchObject(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])))
      }))

    it.live("hands back any status, a refusal's as well, as an answer rather than an error", () =>
      Effect.gen(function*() {
        for (const status of [201, 202, 204, 400, 410, 500, 503]) {
          expect(yield* post(`${transport.url()}/status/${status}`)).toEqual({ status })
        }
      }))

    it.live("answers a redirect as its 3xx, without following it", () =>
      Effect.gen(function*() {
        expect(yield* post(`${transport.url()}/redirect`)).toEqual({ status: 302 })
        expect(transport.received().map((r) => r.path)).not.toContain("/target")
      }))

    it.live("fails with a transport error naming the timeout when the receiver does not answer in time", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(post(`${transport.url()}/slow`))
        expect(error).toMatchObject({ _tag: "WebhookTransportError", message: `no answer within ${Duration.format(TIMEOUT)}` })
      }))

    it.live("fails with a transport error when the receiver cannot be reached", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(post(`${transport.unreachableUrl()}/status/200`))
        expect(error._tag).toBe("WebhookTransportError")
        expect(error.message).not.toBe("")
      }))
  })
