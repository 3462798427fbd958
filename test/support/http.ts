import type { OpenAPIHono } from "@hono/zod-openapi"
import { type Layer, ManagedRuntime } from "effect"
import { makeApp } from "../../src/http/app.ts"
import type { ApiServices } from "../../src/http/app.ts"
import type { ApiEnv } from "../../src/http/router.ts"
import { TEST_ADMIN_KEY } from "./services.ts"

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
}

export interface CallOptions {
  /** The bearer key; the admin key unless given, none when null. */
  readonly key?: string | null
  /** Sent as JSON unless `raw` is given. */
  readonly body?: unknown
  readonly raw?: BodyInit
  readonly headers?: Record<string, string>
}

/** The API app on a layer, called in-process as Hono's `app.request` does, without a network. */
export const makeTestApi = <R, E>(services: Layer.Layer<R | ApiServices, E>) => {
  const runtime = ManagedRuntime.make(services)
  let app: OpenAPIHono<ApiEnv> | undefined

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
    app ??= await runtime.runPromise(makeApp)
    const key = options.key === undefined ? TEST_ADMIN_KEY : options.key
    const headers: Record<string, string> = { ...options.headers }
    if (key !== null) headers["authorization"] = `Bearer ${key}`
    let body: BodyInit | undefined = options.raw
    if (body === undefined && options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers["content-type"] ??= "application/json"
    }
    const response = await app.request(path, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    let parsed: unknown = undefined
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    return { status: response.status, headers: response.headers, text, body: parsed }
  }

  return { call, dispose: () => runtime.dispose(), runtime }
}
