import { apiClient } from "../../test/support/client.ts"
import { ADMIN_KEY, banner } from "../../test/support/e2eTools.ts"
import { sparePort } from "../../test/support/ports.ts"
import { runService, type ServiceProcess } from "../../test/support/process.ts"

/** Processes still running when this one exits (a failed run, an interrupted test) are killed with it. */
const live = new Set<ServiceProcess>()
process.on("exit", () => {
  for (const service of live) service.child.kill("SIGKILL")
})

/**
 * The service as a process that a chaos run starts (`start`), kills and starts again. It keeps one port across
 * restarts, so the load generator's URL stays valid (between a kill and the restart its requests are refused).
 * `crashes` counts the exits nobody asked for; `up` says whether a process has started and not ended since.
 */
export const chaosService = async (env: Record<string, string>) => {
  const port = await sparePort()
  const url = `http://127.0.0.1:${port}`
  let current: ServiceProcess | null = null
  let up = false
  let crashes = 0
  const log: Array<string> = []

  const start = async () => {
    const service = runService("src/main.ts", {
      PORT: String(port),
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: process.env["CHAOS_LOG_LEVEL"] ?? "warn",
      PROVIDER_TIMEOUT_SECONDS: "2",
      ...env
    })
    live.add(service)
    current = service
    void service.exited.then((code) => {
      live.delete(service)
      log.push(service.output())
      if (current === service) {
        crashes++
        current = null
        up = false
        log.push(`service exited unexpectedly (${code})`)
      }
    })
    await service.waitFor(banner, 60_000)
    up = current === service
  }

  /** Ends the running process the way `end` does, and forgets it first so its exit is no crash. */
  const end = async (how: (service: ServiceProcess) => void) => {
    const service = current
    if (service === null) return
    current = null
    up = false
    how(service)
    await service.exited
  }

  return {
    url,
    api: apiClient(url, ADMIN_KEY),
    start,
    kill: () => end((service) => service.child.kill("SIGKILL")),
    /** SIGTERM, and SIGKILL when the process has not exited 20 s later. */
    stop: () =>
      end((service) => {
        const force = setTimeout(() => service.child.kill("SIGKILL"), 20_000)
        void service.stop().finally(() => clearTimeout(force))
      }),
    up: () => up,
    crashes: () => crashes,
    /** Everything the processes wrote so far, the running one last. */
    output: () => [...log, current?.output() ?? ""].join("\n")
  }
}

export type ChaosService = Awaited<ReturnType<typeof chaosService>>
