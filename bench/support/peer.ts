/**
 * The pg-boss peer (../shared/peers/pgboss, beside the repository) as a benchmark target: copied to a temporary
 * directory, `npm ci` there the first time and its node_modules kept in node_modules/.cache/pgboss-peer (one copy per
 * lockfile, linked into later runs), started on a fresh database on the test server and a free port; when the run is
 * done it is stopped, its database dropped and the temporary directory removed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { access, chmod, cp, mkdtemp, readdir, readFile, rename, rm, symlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { sparePort } from "../../test/support/ports.ts"
import { SERVER_URL } from "./backends.ts"

const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const SOURCE = join(ROOT, "../shared/peers/pgboss")
const CACHE = join(ROOT, "node_modules/.cache/pgboss-peer")
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000

export interface Peer {
  readonly baseUrl: string
  readonly pid: number | undefined
}

const exists = (path: string) => access(path).then(() => true, () => false)

const npmCi = (cwd: string) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn("npm", ["ci", "--no-audit", "--no-fund"], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("error", reject)
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm ci for the peer exited ${code}: ${output}`))))
  })

/** The peer's sources in `dir`, writable (the shared copy is read-only), with its dependencies. */
const prepare = async (dir: string) => {
  await cp(SOURCE, dir, { recursive: true, filter: (path) => basename(path) !== "node_modules" })
  await chmod(dir, 0o755)
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) await chmod(join(entry.parentPath, entry.name), 0o755)
  }
  const lock = createHash("sha256")
    .update(await readFile(join(dir, "package.json")))
    .update(await readFile(join(dir, "package-lock.json")))
    .digest("hex")
  // Kept as <lockfile hash>/node_modules: Node looks for a package's own dependencies in the node_modules folders
  // above its real path.
  const cached = join(CACHE, lock.slice(0, 16))
  if (await exists(cached)) return symlink(join(cached, "node_modules"), join(dir, "node_modules"), "dir")
  console.log(`  npm ci for the peer (kept in ${cached} for later runs)`)
  await npmCi(dir)
  await rm(`${cached}.partial`, { recursive: true, force: true })
  await cp(join(dir, "node_modules"), join(`${cached}.partial`, "node_modules"), { recursive: true, verbatimSymlinks: true })
  await rename(`${cached}.partial`, cached)
}

const ready = async (baseUrl: string, child: ChildProcess, output: () => string) => {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline && child.exitCode === null) {
    const status = await fetch(`${baseUrl}/health/ready`).then((r) => r.status, () => 0)
    if (status === 200) return
    await sleep(250)
  }
  throw new Error(`the peer was not ready within ${READY_TIMEOUT_MS} ms (exit code ${child.exitCode}): ${output()}`)
}

const stop = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once("exit", resolve))
  child.kill("SIGTERM")
  if ((await Promise.race([exited, sleep(STOP_TIMEOUT_MS, "timeout")])) === "timeout") {
    child.kill("SIGKILL")
    await exited
  }
}

/** Runs `use` against a fresh peer (database `si_bench_pgboss_<runId>`), with `env` added to the peer's environment. */
export const withPeer = async <A>(runId: string, env: Record<string, string>, use: (peer: Peer) => Promise<A>) => {
  const dir = await mkdtemp(join(tmpdir(), "si-pgboss-peer-"))
  const database = `si_bench_pgboss_${runId}`
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} })
  let child: ChildProcess | null = null
  try {
    const app = join(dir, "pgboss")
    await prepare(app)
    await admin.unsafe(`create database ${database}`)
    const url = new URL(SERVER_URL)
    url.pathname = `/${database}`
    const port = await sparePort()
    child = spawn(process.execPath, ["src/server.mjs"], {
      cwd: app,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "/tmp",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: url.toString(),
        LOG_LEVEL: "error",
        ...env
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    const baseUrl = `http://127.0.0.1:${port}`
    await ready(baseUrl, child, () => output)
    return await use({ baseUrl, pid: child.pid })
  } finally {
    if (child !== null) await stop(child)
    await admin.unsafe(`drop database if exists ${database} with (force)`)
    await admin.end()
    await rm(dir, { recursive: true, force: true })
  }
}
