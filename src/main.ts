import { NodeRuntime } from "@effect/platform-node"
import { Layer } from "effect"
import { MainLive } from "./MainLive.ts"
import { appConfig } from "./Config.ts"
import { withConfig } from "./entry.ts"

NodeRuntime.runMain(withConfig(appConfig, (config) => Layer.launch(MainLive(config))), { disableErrorReporting: true, disablePrettyLogger: true })
