import { describe, expect, it, vi } from "vitest"
import { Layer, ManagedRuntime } from "effect"
import { makeApp } from "../../src/http/app.ts"
import { HttpSettings } from "../../src/services/Settings.ts"
import { layerMemoryServices, TEST_ADMIN_KEY } from "../support/services.ts"

const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` }

describe("load shedding (HTTP_MAX_IN_FLIGHT)", () => {
  it("answers 503 unavailable with Retry-After while the limit is reached, and takes requests again once one ends", async () => {
    const runtime = ManagedRuntime.make(Layer.merge(layerMemoryServices, Layer.succeed(HttpSettings, { maxInFlight: 1, keyRateLimitPerMinute: 6000 })))
    try {
      const app = await runtime.runPromise(makeApp)
      // A request whose body has not finished arriving stays in flight (its Content-Length lets it past the body limit).
      const head = new TextEncoder().encode(`{"name":"Held Plumbing",`)
      const rest = new TextEncoder().encode(`"status":"active"}`)
      let sendRest!: () => void
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head)
          sendRest = () => {
            controller.enqueue(rest)
            controller.close()
          }
        }
      })
      const held = app.request("/companies", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "content-length": String(head.length + rest.length) },
        body,
        duplex: "half"
      } as RequestInit)

      const refused = await vi.waitFor(async () => {
        const answer = await app.request("/companies", { headers: auth })
        expect(answer.status).toBe(503)
        return answer
      })
      expect(refused.headers.get("retry-after")).toBe("1")
      expect(await refused.json()).toEqual({
        error: { code: "unavailable", message: expect.stringContaining("capacity"), details: [] }
      })
      expect((await app.request("/health/live")).status).toBe(200)
      expect((await app.request("/health/ready")).status).toBe(200)
      const metrics = await app.request("/metrics", { headers: auth })
      expect(metrics.status).toBe(200)
      expect(await metrics.text()).toMatch(/^si_http_requests_shed_total [1-9]\d*$/m)

      sendRest()
      expect((await held).status).toBe(201)
      expect((await app.request("/companies", { headers: auth })).status).toBe(200)
    } finally {
      await runtime.dispose()
    }
  })
})
