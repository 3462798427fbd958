import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { appConfig } from "../../src/AppConfig.ts"
import { formatConfigError } from "../../src/Config.ts"

const tracingOf = (env: Record<string, string>) =>
  Effect.either(Effect.withConfigProvider(appConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))).pipe(
    Effect.map(Either.match({ onLeft: formatConfigError, onRight: (config) => config.tracing }))
  )

describe("tracing settings from the standard OTEL_* variables", () => {
  it.effect("export over OTLP only when an endpoint is given, and name the variable of a bad value", () =>
    Effect.gen(function*() {
      expect(yield* tracingOf({})).toEqual({
        disabled: false,
        detailedSpans: false,
        serviceName: "service-integration",
        resourceAttributes: {},
        exportOtlp: false
      })
      expect(yield* tracingOf({ OTEL_DETAILED_SPANS: "true" })).toMatchObject({ detailedSpans: true })
      expect(yield* tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318", OTEL_SERVICE_NAME: "si-eu" }))
        .toMatchObject({ serviceName: "si-eu", exportOtlp: true })
      expect(yield* tracingOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://jaeger:4318/v1/traces" })).toMatchObject({ exportOtlp: true })
      expect(yield* tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318", OTEL_TRACES_EXPORTER: "none" }))
        .toMatchObject({ exportOtlp: false })
      expect(yield* tracingOf({ OTEL_SDK_DISABLED: "true" })).toMatchObject({ disabled: true })
      expect(yield* tracingOf({ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod, team=lead%20ops,k=a=b" }))
        .toMatchObject({ resourceAttributes: { "deployment.environment": "prod", team: "lead ops", k: "a=b" } })
      expect(yield* tracingOf({ OTEL_RESOURCE_ATTRIBUTES: "novalue" })).toMatch(/^configuration error: OTEL_RESOURCE_ATTRIBUTES: /)
      expect(yield* tracingOf({ OTEL_RESOURCE_ATTRIBUTES: "k=%E0%A4%A" })).toMatch(/^configuration error: OTEL_RESOURCE_ATTRIBUTES: .*percent/)
      expect(yield* tracingOf({ OTEL_TRACES_EXPORTER: "zipkin" })).toMatch(/^configuration error: OTEL_TRACES_EXPORTER: /)
      expect(yield* tracingOf({ OTEL_SDK_DISABLED: "maybe" })).toMatch(/^configuration error: OTEL_SDK_DISABLED: /)
    }))
})
