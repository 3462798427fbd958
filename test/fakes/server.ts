import { createAdaptorServer } from "@hono/node-server"
import type { Context, Hono } from "hono"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"

/** A fake provider API listening on a spare local port. */
export interface RunningFake {
  readonly url: string
  readonly close: () => Promise<void>
}

/** Serves a fake's Hono app on 127.0.0.1, on a port of its own. */
export const listen = (app: Hono) =>
  new Promise<RunningFake>((resolve, reject) => {
    const server = createAdaptorServer({ fetch: app.fetch }) as Server
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          })
      })
    })
  })

/** What a fake does instead of answering normally, for the next matching requests. */
export interface Fault {
  readonly status?: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Answer only after this long (past the adapter's timeout: a slow provider). */
  readonly delayMs?: number
  /** With `delayMs` only: answer normally after the delay instead of with `status`/`body`. */
  readonly thenAnswer?: boolean
}

/**
 * Faults queued per route name (e.g. "token", "createBooking"): each request to the route takes the next one, if any.
 * Also counts every request by route, so tests can assert exactly what was called.
 */
export const makeFaults = () => {
  const queued = new Map<string, Array<Fault>>()
  const calls = new Map<string, number>()
  const traceparents = new Map<string, Array<string | undefined>>()
  return {
    /** Queues faults for the next requests to `route`, in order. */
    inject: (route: string, ...faults: ReadonlyArray<Fault>) => {
      queued.set(route, [...(queued.get(route) ?? []), ...faults])
    },
    /** How many requests `route` received. */
    count: (route: string) => calls.get(route) ?? 0,
    /** The `traceparent` header of each request `route` received, in order. */
    traceparents: (route: string) => traceparents.get(route) ?? [],
    reset: () => {
      queued.clear()
      calls.clear()
      traceparents.clear()
    },
    /**
     * Counts the request and applies the route's next fault: answers the fault's response, or undefined to answer
     * normally (after its delay, when it has one and `thenAnswer`).
     */
    apply: async (route: string, c: Context): Promise<Response | undefined> => {
      calls.set(route, (calls.get(route) ?? 0) + 1)
      traceparents.set(route, [...(traceparents.get(route) ?? []), c.req.header("traceparent")])
      const fault = queued.get(route)?.shift()
      if (fault === undefined) return undefined
      if (fault.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs))
      if (fault.thenAnswer === true) return undefined
      const body = fault.body === undefined ? "" : typeof fault.body === "string" ? fault.body : JSON.stringify(fault.body)
      return c.body(body, (fault.status ?? 500) as 500, {
        ...(typeof fault.body === "object" ? { "content-type": "application/json" } : {}),
        ...fault.headers
      })
    }
  }
}

export type Faults = ReturnType<typeof makeFaults>
