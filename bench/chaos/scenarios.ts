import type { Size } from "./harness.ts"
import { addReplica } from "./scenarios/addReplica.ts"
import { killReplica } from "./scenarios/killReplica.ts"
import { killService } from "./scenarios/killService.ts"
import { providerDown } from "./scenarios/providerDown.ts"
import { rateLimitStorm } from "./scenarios/rateLimitStorm.ts"
import { restartNats } from "./scenarios/restartNats.ts"
import { restartNatsNode } from "./scenarios/restartNatsNode.ts"
import { restartPostgres } from "./scenarios/restartPostgres.ts"
import type { ScenarioResult } from "./summary.ts"

/** Every chaos scenario by the name `--only` takes. */
export const scenarios: Readonly<Record<string, (size: Size) => Promise<ScenarioResult>>> = {
  "kill-service": killService,
  "restart-nats": restartNats,
  "restart-postgres": restartPostgres,
  "provider-down": providerDown,
  "rate-limit-storm": rateLimitStorm,
  "kill-replica": killReplica,
  "add-replica": addReplica,
  "restart-nats-node": restartNatsNode
}
