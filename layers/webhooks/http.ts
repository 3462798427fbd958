import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Layer } from "effect"
import { WebhookTransport, WebhookTransportError } from "../../src/services/Webhooks.ts"
import * as Outbound from "../outbound.ts"

/**
 * Webhook POSTs through `@effect/platform`'s HttpClient (`fetch`): the body sent as given (the bytes that were signed),
 * each bounded by its timeout, one client span each; any answer is handed back (a redirect as its 3xx, never followed),
 * only a failed connection, an answer over the outbound limit or a timeout is an error.
 */
export const layer = Layer.effect(
  WebhookTransport,
  Effect.map(HttpClient.HttpClient, (client) =>
    WebhookTransport.of({
      post: ({ body, headers, timeout, url }) =>
        client.execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.setHeaders(headers),
            HttpClientRequest.bodyText(body, "application/json")
          )
        ).pipe(
          Effect.flatMap((response) => Effect.as(Outbound.readAnswer(response), { status: response.status })),
          Effect.mapError((error) =>
            new WebhookTransportError({ message: error._tag === "AnswerTooLarge" ? error.message : Outbound.failureMessage(error) })
          ),
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new WebhookTransportError({ message: `no answer within ${Duration.format(timeout)}` })
          }),
          Effect.withSpan("Webhook.post", { kind: "client" })
        )
    }))
).pipe(Layer.provide(Outbound.layer))
