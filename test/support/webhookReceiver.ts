import { Duration, Effect, Layer } from "effect"
import { WebhookTransport, WebhookTransportError } from "../../src/services/Webhooks.ts"

/** A POST the in-memory receiver took. */
export interface SentWebhook {
  readonly url: string
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

/** How the in-memory receiver answers a POST: with a status, with a status after a wait, or not at all (unreachable). */
export type ReceiverAnswer = number | { readonly status: number; readonly after: Duration.Duration } | "unreachable"

/**
 * The webhook transport's in-memory twin: records in `sent` every POST that reaches the receiver and answers
 * `answer(request, n)` (n: the POSTs of the same `X-Event-Id` it took before). As the HTTP transport, it hands any
 * status back, and fails with a `WebhookTransportError` when the receiver is unreachable or answers after the timeout.
 */
export const layerRecordingTransport = (sent: Array<SentWebhook>, answer: (request: SentWebhook, n: number) => ReceiverAnswer) =>
  Layer.succeed(WebhookTransport, {
    post: (request) =>
      Effect.suspend(() => {
        const n = sent.filter((s) => s.headers["X-Event-Id"] === request.headers["X-Event-Id"]).length
        const answered = answer(request, n)
        if (answered === "unreachable") return Effect.fail(new WebhookTransportError({ message: "connection refused" }))
        sent.push(request)
        if (typeof answered === "number") return Effect.succeed({ status: answered })
        return Effect.as(Effect.sleep(answered.after), { status: answered.status }).pipe(
          Effect.timeoutFail({
            duration: request.timeout,
            onTimeout: () => new WebhookTransportError({ message: `no answer within ${Duration.format(request.timeout)}` })
          })
        )
      })
  })
