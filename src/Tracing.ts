import { Resource, Tracer as OtelTracer } from "@effect/opentelemetry"
import { context, propagation, trace } from "@opentelemetry/api"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { scrubbingCredentials } from "./CredentialScrubbing.ts"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import { Config, Effect, Layer, Option, Tracer } from "effect"
import { detailedSpans, flag, keyValues, serviceName } from "./Config.ts"

/** What the standard `OTEL_*` variables ask of tracing. */
export interface TracingOptions {
  /** `OTEL_SDK_DISABLED`: no OpenTelemetry at all; Effect's own spans still give logs their trace ids. */
  readonly disabled: boolean
  /** `OTEL_DETAILED_SPANS`: a span for every statement and broker request too, not only for the work they belong to. */
  readonly detailedSpans: boolean
  /** `OTEL_SERVICE_NAME`. */
  readonly serviceName: string
  /** `OTEL_RESOURCE_ATTRIBUTES`, as `key=value` pairs. */
  readonly resourceAttributes: Readonly<Record<string, string>>
  /** An OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or `..._TRACES_ENDPOINT`) and `OTEL_TRACES_EXPORTER` is not `none`. */
  readonly exportOtlp: boolean
}

/**
 * Registers one tracer provider globally and gives Effect a tracer over it, so that spans made with
 * `@opentelemetry/api` (the HTTP server's) and Effect's spans nest both ways. The global W3C propagator and async
 * context come with the registration. Closing the layer flushes the processors and unregisters the provider.
 */
export const layer = (options: {
  readonly serviceName: string
  readonly resourceAttributes?: Readonly<Record<string, string>>
  readonly spanProcessors: ReadonlyArray<SpanProcessor>
}) => {
  const resource = resourceFromAttributes(
    Resource.configToAttributes({ serviceName: options.serviceName, attributes: { ...options.resourceAttributes } })
  )
  const registered = Layer.scopedDiscard(
    Effect.acquireRelease(
      Effect.sync(() => {
        const provider = new NodeTracerProvider({ resource, spanProcessors: [...options.spanProcessors] })
        provider.register()
        return provider
      }),
      (provider) =>
        Effect.promise(() => provider.shutdown()).pipe(
          Effect.ensuring(Effect.sync(() => {
            trace.disable()
            context.disable()
            propagation.disable()
          }))
        )
    )
  )
  return effectSpansAsOtelSpans.pipe(
    Layer.provide(OtelTracer.layerGlobalTracer),
    Layer.provide(Layer.succeed(Resource.Resource, resource)),
    Layer.provide(registered)
  )
}

/**
 * Effect's spans made as OpenTelemetry spans, without `@effect/opentelemetry`'s switch of OpenTelemetry's active
 * context at every step of every fiber (an `AsyncLocalStorage` run and a new context each time). Nothing inside an
 * effect reads that context: the outbox and message headers take the trace from Effect's current span. A span with no
 * Effect parent still takes OpenTelemetry's active span (the HTTP server span) as its parent when it starts.
 */
const effectSpansAsOtelSpans = Layer.unwrapEffect(Effect.map(OtelTracer.make, (tracer) =>
  Layer.setTracer(Tracer.make({ span: tracer.span, context: (execution) => execution() }))
))

/** The standard OpenTelemetry variables the service honours (the OTLP exporter reads its own endpoint and headers). */
export const config: Config.Config<TracingOptions> = Config.all({
  disabled: flag("OTEL_SDK_DISABLED"),
  detailedSpans,
  serviceName,
  resourceAttributes: keyValues("OTEL_RESOURCE_ATTRIBUTES"),
  endpoint: Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT")),
  tracesEndpoint: Config.option(Config.nonEmptyString("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
  exporter: Config.literal("otlp", "none")("OTEL_TRACES_EXPORTER").pipe(Config.withDefault("otlp"))
}).pipe(Config.map(({ endpoint, exporter, tracesEndpoint, ...rest }): TracingOptions => ({
  ...rest,
  exportOtlp: exporter === "otlp" && (Option.isSome(endpoint) || Option.isSome(tracesEndpoint))
})))

/** Tracing as the `OTEL_*` variables configure it: spans batched to the OTLP endpoint, or kept in process only. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, (options) =>
  options.disabled ? Layer.empty : layer({
    serviceName: options.serviceName,
    resourceAttributes: options.resourceAttributes,
    spanProcessors: options.exportOtlp ? [scrubbingCredentials(new BatchSpanProcessor(new OTLPTraceExporter()))] : []
  })))
