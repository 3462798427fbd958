import { Config } from "effect"
import * as Broker from "../layers/broker/layer.ts"
import * as Secrets from "../layers/secrets/webCrypto.ts"
import * as Storage from "../layers/storage/layer.ts"
import * as HttpServer from "./HttpServer.ts"
import * as Logging from "./Logging.ts"
import * as Settings from "./services/Settings.ts"
import * as Startup from "./Startup.ts"
import * as Tracing from "./Tracing.ts"

/**
 * Every variable the service reads, each read by the layer that uses it (its `config`) and checked here all at once
 * before any layer is built, so that a wrong environment fails at start with one line naming each bad variable.
 */
export const appConfig = Config.all({
  logging: Logging.config,
  tracing: Tracing.config,
  storage: Storage.config,
  broker: Broker.config,
  secrets: Secrets.config,
  startup: Startup.config,
  server: HttpServer.config,
  settings: Settings.config
}).pipe(Config.map(({ settings, ...rest }) => ({ ...settings, ...rest })))
