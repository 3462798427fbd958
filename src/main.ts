import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { MainLive } from "./MainLive.ts"
import { appConfig } from "./Config.ts"
import { withConfig } from "./entry.ts"
import { layerTracingFromEnv } from "./Tracing.ts"

NodeRuntime.runMain(
  withConfig(appConfig, (config) => Layer.launch(MainLive(config).pipe(Layer.provide(layerTracingFromEnv(config.tracing))))),
  { disableErrorReporting: true, disablePrettyLogger: true }
)
