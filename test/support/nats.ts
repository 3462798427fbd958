import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { sparePort } from "./ports.ts"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The JetStream server the integration tests share; `NATS_TEST_URL` overrides it. */
export const NATS_TEST_URL = process.env["NATS_TEST_URL"] ?? "nats://127.0.0.1:4222"

const binary = process.env["NATS_SERVER_BIN"] ?? "/usr/sbin/nats-server"

/**
 * Servers run under `setpriv --pdeathsig KILL` where it exists, so the kernel kills them when this worker dies however it
 * dies (vitest may end a worker with a signal, which skips exit handlers); the exit handler covers other systems.
 */
const setpriv = "/usr/bin/setpriv"
const running = new Set<ChildProcess>()
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL")
})

/** Starts the installed nats-server with `options`, resolving once it takes clients (killed with this process). */
export const launchNatsServer = (options: ReadonlyArray<string>) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const args = [binary, ...options]
    const [command, ...rest] = existsSync(setpriv) ? [setpriv, "--pdeathsig", "KILL", "--", ...args] : args
    const child = spawn(command!, rest, { stdio: ["ignore", "ignore", "pipe"] })
    running.add(child)
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`nats-server did not become ready:\n${output}`))
    }, 15_000)
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Server is ready")) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once("exit", (code) => {
      running.delete(child)
      clearTimeout(timer)
      reject(new Error(`nats-server exited (${code}) before it was ready:\n${output}`))
    })
  })

const launch = (port: number, storeDir: string, extra: ReadonlyArray<string>) =>
  launchNatsServer(["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir, ...extra])

/** Stops a server and resolves when it has exited: SIGTERM, then SIGKILL after 5 s; or SIGKILL at once, as a crash. */
export const terminateNatsServer = (child: ChildProcess, signal: "SIGTERM" | "SIGKILL" = "SIGTERM") =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(force)
      resolve()
    })
    child.kill(signal)
  })

/** A nats-server with JetStream of a test's own, on a spare port with its own store directory. */
export interface PrivateNatsServer {
  readonly url: string
  readonly port: number
  /** Stops the server (SIGTERM, then SIGKILL); its store stays. */
  readonly stop: () => Promise<void>
  /** Starts it again on the same port and store. */
  readonly start: () => Promise<void>
  readonly restart: () => Promise<void>
  /** Stops it and removes its store. */
  readonly dispose: () => Promise<void>
}

/**
 * Starts a private nats-server, with the server options in `extra` (e.g. `--user`, `--pass`); call `dispose` in an
 * `afterAll` (the process exit kills it in any case).
 */
export const startNatsServer = async (extra: ReadonlyArray<string> = []): Promise<PrivateNatsServer> => {
  const port = await sparePort()
  const storeDir = await mkdtemp(join(tmpdir(), "nats-test-"))
  let child: ChildProcess | null = await launch(port, storeDir, extra)
  const stop = async () => {
    if (child !== null) await terminateNatsServer(child)
    child = null
  }
  const start = async () => {
    if (child === null) child = await launch(port, storeDir, extra)
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    start,
    restart: () => stop().then(start),
    dispose: () => stop().then(() => rm(storeDir, { recursive: true, force: true }))
  }
}

/** Deletes the streams whose names start with `prefix` on the server at `url` (or a cluster's, comma-separated). */
export const deleteStreams = async (url: string, prefix: string): Promise<void> => {
  const nc = await connect({ servers: url.split(","), timeout: 5_000 })
  try {
    const jsm = await jetstreamManager(nc)
    const names: Array<string> = []
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) names.push(name)
    await Promise.all(names.map((name) => jsm.streams.delete(name)))
  } finally {
    await nc.close()
  }
}
