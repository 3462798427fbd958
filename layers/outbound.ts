import { FetchHttpClient, type HttpClientError, type HttpClientResponse } from "@effect/platform"
import { Data, Effect, Layer, Stream } from "effect"

/** The most of an answer's body read; a longer one fails the call rather than fill memory. */
export const MAX_ANSWER_BYTES = 1024 * 1024

/** An answer whose body is longer than `MAX_ANSWER_BYTES`. */
export class AnswerTooLarge extends Data.TaggedError("AnswerTooLarge")<{}> {
  override get message() {
    return "the answer was over 1 MiB"
  }
}

/** The answer's body as text, read up to `MAX_ANSWER_BYTES` (a declared longer length fails before any is read). */
export const readAnswer = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<string, AnswerTooLarge | HttpClientError.ResponseError> =>
  Effect.suspend(() => {
    if (Number(response.headers["content-length"] ?? 0) > MAX_ANSWER_BYTES) return Effect.fail(new AnswerTooLarge())
    const decoder = new TextDecoder()
    let size = 0
    let text = ""
    return Stream.runForEach(response.stream, (chunk) => {
      size += chunk.byteLength
      if (size > MAX_ANSWER_BYTES) return Effect.fail(new AnswerTooLarge())
      text += decoder.decode(chunk, { stream: true })
      return Effect.void
    }).pipe(Effect.map(() => text + decoder.decode()))
  })

/**
 * The HttpClient of every outbound call (provider APIs, webhooks): `fetch` that follows no redirect, so a 3xx is
 * answered as it is (a redirect could lead a call with credentials, or a signed webhook, anywhere).
 */
export const layer = FetchHttpClient.layer.pipe(
  Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" }))
)
