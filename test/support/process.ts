import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

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

/** Runs one of the service's entry points (as `npm start` does) with only the environment given. */
export const runService = (entry: string, env: Record<string, string>): ServiceProcess => {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
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
