import { FetchHttpClient, type HttpClientError, type HttpClientResponse } from "@effect/platform"
import { Data, Effect, Layer, Option, Stream } from "effect"
import { lookup as dnsLookup } from "node:dns"
import { lookup as dnsLookupAll } from "node:dns/promises"
import { refusalMessage, refusedRange } from "../src/domain/address.ts"
import { OutboundAddresses, OutboundSettings } from "../src/services/Settings.ts"

/** The most of an answer's body read; a longer one fails the call rather than fill memory. */
export const MAX_ANSWER_BYTES = 1024 * 1024

/** An answer whose body is longer than `MAX_ANSWER_BYTES`. */
export class AnswerTooLarge extends Data.TaggedError("AnswerTooLarge")<{}> {
  override get message() {
    return "the answer was over 1 MiB"
  }
}

/** A call refused before it connected: a plain `http://` URL, or an address in a refused range. */
export class AddressRefused extends Error {}

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
    }).pipe(
      Effect.map(() => text + decoder.decode()),
      // An answer without a body (a 204, a 304) reads as empty text, not as a failed request.
      Effect.catchIf((error) => error._tag === "ResponseError" && error.reason === "EmptyBody", () => Effect.succeed(""))
    )
  })

/** What a failed request says in an attempt's error: why it was refused, else that the connection failed. */
export const failureMessage = (error: HttpClientError.HttpClientError) => {
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof AddressRefused) return cause.message
  }
  return error.reason === "Transport" ? "the connection failed" : error.message
}

const refusal = (addresses: ReadonlyArray<string>) => {
  for (const address of addresses) {
    const range = refusedRange(address)
    if (range !== undefined) return new AddressRefused(refusalMessage(address, range))
  }
  return undefined
}

/** Refuses plain `http://` and an IP literal in a refused range, before anything is resolved or connected. */
const refuseUrl = (input: string | URL | Request) => {
  const url = new URL(input instanceof Request ? input.url : input)
  if (url.protocol !== "https:") {
    return new AddressRefused(`${url.protocol}// URLs are refused; use https:// or set OUTBOUND_ALLOW_PRIVATE=true`)
  }
  return refusal([url.hostname.replace(/^\[|\]$/g, "")])
}

type LookupCallback = (error: Error | null, address: string | ReadonlyArray<{ address: string; family: number }>, family?: number) => void

/** `dns.lookup` for the socket's connect: the addresses it will connect to, refused if any is in a refused range. */
const checkedLookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback) =>
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error !== null) return callback(error, [])
    const refused = refusal(addresses.map((a) => a.address))
    if (refused !== undefined) return callback(refused, [])
    if (options.all === true) return callback(null, addresses)
    callback(null, addresses[0]!.address, addresses[0]!.family)
  })

/**
 * `fetch` whose connections reach only public addresses: undici's, with a connector that resolves through
 * `checkedLookup`, so the address checked is the one connected to (a DNS answer changed in between cannot slip
 * through). Node's and Deno's own `fetch` have no such hook; undici runs on both.
 */
const guardedFetch = Effect.promise(async (): Promise<typeof globalThis.fetch> => {
  const undici = await import("undici")
  const dispatcher = new undici.Agent({ connect: { lookup: checkedLookup as never } })
  return (input, init) => {
    const refused = refuseUrl(input)
    return refused !== undefined
      ? Promise.reject(refused)
      : (undici.fetch(input as never, { ...init, dispatcher } as never) as unknown as Promise<Response>)
  }
})

/**
 * The HttpClient of every outbound call (provider APIs, webhooks): `fetch` that follows no redirect, so a 3xx is
 * answered as it is (a redirect could lead a call with credentials, or a signed webhook, anywhere), and that reaches
 * only public addresses over https unless `OUTBOUND_ALLOW_PRIVATE` is set.
 */
export const layer = Layer.unwrapEffect(Effect.gen(function*() {
  const { allowPrivate } = yield* OutboundSettings
  const client = FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" })))
  return allowPrivate ? client : client.pipe(Layer.provide(Layer.effect(FetchHttpClient.Fetch, guardedFetch)))
}))

/**
 * The check made when a URL is registered: the same rules, on the addresses its name resolves to now (a name that does
 * not resolve yet passes; the calls check again when they connect).
 */
export const layerAddresses = Layer.effect(
  OutboundAddresses,
  Effect.map(OutboundSettings, ({ allowPrivate }) =>
    OutboundAddresses.of({
      refusal: (url) =>
        allowPrivate ? Effect.succeedNone : Effect.promise(async () => {
          const refused = refuseUrl(url) ??
            refusal((await dnsLookupAll(new URL(url).hostname, { all: true }).catch(() => [])).map((a) => a.address))
          return Option.fromNullable(refused?.message)
        })
    }))
)
