import { execFile, execFileSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { chown, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { sparePort } from "../../test/support/ports.ts"

const run = promisify(execFile)

/** The newest PostgreSQL installed (Debian's layout); `PG_BIN` overrides it. */
const binDir = () => {
  const configured = process.env["PG_BIN"]
  if (configured !== undefined) return configured
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))
  if (versions[0] === undefined) throw new Error("no PostgreSQL under /usr/lib/postgresql; set PG_BIN")
  return `/usr/lib/postgresql/${versions[0]}/bin`
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
const asRoot = process.getuid?.() === 0
const command = (tool: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  asRoot ? ["runuser", ["-u", "postgres", "--", join(binDir(), tool), ...args]] : [join(binDir(), tool), [...args]]

const pgTool = (tool: string, args: ReadonlyArray<string>) => {
  const [file, argv] = command(tool, args)
  return run(file, argv, { timeout: 60_000 })
}

/** Clusters not disposed of when this process exits are stopped and removed with it. */
const live = new Map<string, { readonly dataDir: string }>()
process.on("exit", () => {
  for (const [dir, { dataDir }] of live) {
    const [file, argv] = command("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"])
    try {
      execFileSync(file, argv, { stdio: "ignore", timeout: 10_000 })
    } catch {
      // Already stopped.
    }
    execFileSync("rm", ["-rf", dir])
  }
})

/** A PostgreSQL cluster of a chaos run's own, in a temporary directory, on a spare port, with trust authentication. */
export interface PostgresCluster {
  /** The `postgres` database as user `postgres`. */
  readonly url: string
  /** Stops the server: `immediate` is a crash (no checkpoint; recovery at the next start), `fast` a clean stop. */
  readonly stop: (mode: "immediate" | "fast") => Promise<void>
  readonly start: () => Promise<void>
  /** Stops it if running and removes its directory. */
  readonly dispose: () => Promise<void>
}

/** Makes (initdb) and starts a private cluster; call `dispose` when done (the process exit removes it in any case). */
export const startPostgresCluster = async (): Promise<PostgresCluster> => {
  const port = await sparePort()
  const dir = await mkdtemp(join(tmpdir(), "chaos-pg-"))
  const dataDir = join(dir, "data")
  live.set(dir, { dataDir })
  if (asRoot) {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])])
    await chown(dir, Number(uid.stdout.trim()), Number(gid.stdout.trim()))
  }
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`
  const start = async () => {
    await pgTool("pg_ctl", ["-D", dataDir, "-o", options, "-l", join(dir, "server.log"), "-w", "start"])
  }
  const stop = async (mode: "immediate" | "fast") => {
    await pgTool("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "stop"])
  }
  const dispose = async () => {
    await pgTool("pg_ctl", ["-D", dataDir, "status"]).then(() => stop("immediate"), () => undefined)
    live.delete(dir)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await pgTool("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
    await start()
  } catch (error) {
    await dispose()
    throw error
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, start, dispose }
}
