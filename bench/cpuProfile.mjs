/**
 * Preload for benchmarks: records a V8 CPU profile of the process it is loaded into and writes it, when the process
 * exits, to `$CPU_PROFILE_DIR/service-<pid>.cpuprofile` (open it in Chrome DevTools or speedscope). Node 20 refuses
 * `--cpu-prof` in NODE_OPTIONS, hence this: `NODE_OPTIONS=--import=./bench/cpuProfile.mjs CPU_PROFILE_DIR=/tmp/prof`.
 */
import { Session } from "node:inspector"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const dir = process.env["CPU_PROFILE_DIR"]
if (dir !== undefined && dir !== "") {
  const session = new Session()
  session.connect()
  // A session on the process's own thread answers synchronously, so this works in an `exit` handler too.
  session.post("Profiler.enable")
  session.post("Profiler.setSamplingInterval", { interval: 500 })
  session.post("Profiler.start")
  process.on("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (error !== null) return console.error(`cpu profile: ${error.message}`)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, `service-${process.pid}.cpuprofile`), JSON.stringify(result.profile))
    })
  })
}
