import { describe, expect, it } from "@effect/vitest"
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { scrubbingCredentials } from "../../src/CredentialScrubbing.ts"
import { natsAuthOf, serversWithoutCredentials, withoutUrlCredentials } from "../../src/domain/urlCredentials.ts"

describe("URL credentials", () => {
  it("are stripped from every URL in a text, leaving everything else as it is", () => {
    expect(withoutUrlCredentials("nats://user:pass@host:4222")).toBe("nats://host:4222")
    expect(withoutUrlCredentials("tls://only-user@a:4222,nats://u:p@b:4222")).toBe("tls://a:4222,nats://b:4222")
    expect(withoutUrlCredentials("failed: https://u:p%40ss@api.example.com/x?y=1")).toBe("failed: https://api.example.com/x?y=1")
    expect(withoutUrlCredentials("mail john@example.com about http://example.com/a@b")).toBe("mail john@example.com about http://example.com/a@b")
  })

  it("are stripped from every entry of a server list, with or without a scheme", () => {
    expect(serversWithoutCredentials("nats://u:p@n1:4222, tls://u@n2:4222,u:p@n3:4222,n4:4222")).toBe(
      "nats://n1:4222,tls://n2:4222,n3:4222,n4:4222"
    )
  })

  it("of a server list are those of its first entry with any, decoded: a user and password, or a token", () => {
    expect(natsAuthOf("nats://n1:4222,nats://al%40ice:p%3Ass@n2:4222,nats://bob:other@n3:4222")).toEqual({ user: "al@ice", pass: "p:ss" })
    expect(natsAuthOf("tls://s3cr3t-token@n1:4222")).toEqual({ token: "s3cr3t-token" })
    expect(natsAuthOf("nats://n1:4222, nats://n2:4222")).toBeUndefined()
  })

  it("are stripped from a span's attributes, events and status before the exporter's processor sees it", () => {
    const seen: Array<ReadableSpan> = []
    const next = { onStart: () => {}, onEnd: (span: ReadableSpan) => void seen.push(span), forceFlush: async () => {}, shutdown: async () => {} }
    const span = {
      attributes: { "url.full": "https://hook:secret@receiver.example/in", "http.response.status_code": 500 },
      events: [{ name: "exception", attributes: { "exception.message": "not connected to NATS at nats://u:secret@n:4222" }, time: [0, 0] }],
      status: { code: 2, message: "postgres://app:secret@db/x refused" }
    } as unknown as ReadableSpan
    scrubbingCredentials(next as SpanProcessor).onEnd(span)
    expect(seen).toHaveLength(1)
    expect(JSON.stringify(seen[0])).not.toContain("secret")
    expect(seen[0]!.attributes).toEqual({ "url.full": "https://receiver.example/in", "http.response.status_code": 500 })
  })
})
