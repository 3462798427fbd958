import { type ChildProcess, execFile, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const root = fileURLToPath(new URL("../../", import.meta.url))

export interface ServiceProcess {
  readonly child: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  readonly output: () => string
  /** Resolves with the first match of `pattern` in the output, or rejects when the process exits first or time runs out. */
  readonly waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>
  /** Sends SIGTERM and resolves with the exit code. */
  readonly stop: () => Promise<number | null>
  readonly exited: Promise<number | null>
}

/** The Deno the service is verified on (STACK.md); npx fetches it from the npm registry on first use. */
const DENO = "deno@2.9.6"

let denoPath: Promise<string> | undefined

/**
 * The path of the deno binary, resolved once per test process. The service is spawned from it directly: npx's wrapper
 * runs deno as a child and does not pass SIGTERM on, so stopping the npx pid would leave the service running.
 */
export const denoBinary = (): Promise<string> => {
  denoPath ??= promisify(execFile)("npx", ["--yes", DENO, "eval", "console.log(Deno.execPath())"], { cwd: root, timeout: 300_000 })
    .then(({ stdout }) => stdout.trim())
  return denoPath
}

/** Runs one of the service's entry points (as `npm start` does) with only the environment given. */
export const runService = (entry: string, env: Record<string, string>): ServiceProcess =>
  spawnService(process.execPath, ["--import", "tsx", entry], env)

/** Runs one of the service's entry points on Deno (`deno run -A`) with only the environment given. */
export const runServiceOnDeno = async (entry: string, env: Record<string, string>): Promise<ServiceProcess> =>
  spawnService(await denoBinary(), ["run", "-A", entry], { DENO_NO_UPDATE_CHECK: "1", ...env })

const spawnService = (command: string, args: ReadonlyArray<string>, env: Record<string, string>): ServiceProcess => {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout?.on("data", onData)
  child.stderr?.on("data", onData)
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))

  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern)
        if (match !== null) {
          finish()
          resolve(match)
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`))
      }, timeoutMs)
      const finish = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      void exited.then((code) => {
        if (listeners.has(check)) {
          finish()
          reject(new Error(`process exited (${code}) before ${pattern}; output:\n${output}`))
        }
      })
      check()
    })

  const stop = () => {
    if (child.exitCode === null) child.kill("SIGTERM")
    return exited
  }
  return { child, output: () => output, waitFor, stop, exited }
}
