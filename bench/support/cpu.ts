/** CPU time and memory of processes, from Linux /proc: a cheap hint of where the time goes. */
import { readdir, readFile } from "node:fs/promises"

const CLOCK_TICKS_PER_SECOND = 100

/** CPU seconds (user + system) a process has used so far, or NaN where /proc cannot tell. */
export const cpuSecondsOf = async (pid: number | undefined) => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** Resident memory of a process in MiB (VmRSS), or NaN. */
export const residentMiBOf = async (pid: number | undefined) => {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8")
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1])
    return kb / 1024
  } catch {
    return Number.NaN
  }
}

/** CPU seconds this process has used so far. */
export const ownCpuSeconds = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1e6
}

/** CPU seconds (user + system) all processes named `command` (as in /proc/<pid>/comm) have used so far. */
export const cpuSecondsOfCommand = async (command: string) => {
  const pids = (await readdir("/proc").catch(() => [])).filter((entry) => /^\d+$/.test(entry))
  const seconds = await Promise.all(pids.map(async (pid) => {
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")
    return comm.trim() === command ? cpuSecondsOf(Number(pid)) : 0
  }))
  return seconds.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0)
}

/** CPU seconds the whole machine has been busy (all cores, all but idle and iowait), from /proc/stat. */
export const machineBusySeconds = async () => {
  const stat = await readFile("/proc/stat", "utf8").catch(() => "")
  const fields = (stat.split("\n")[0] ?? "").split(/\s+/).slice(1).map(Number)
  if (fields.length < 5) return Number.NaN
  const total = fields.reduce((a, b) => a + b, 0)
  return (total - fields[3]! - fields[4]!) / CLOCK_TICKS_PER_SECOND
}

/** CPU seconds so far of each part of a run: the service, PostgreSQL, NATS, this load generator, and the machine. */
export interface CpuSnapshot {
  readonly service: number
  readonly postgres: number
  readonly nats: number
  readonly loadGenerator: number
  readonly machine: number
}

export const cpuSnapshot = async (serviceCpuSeconds: () => Promise<number>): Promise<CpuSnapshot> => {
  const [service, postgres, nats, machine] = await Promise.all([
    serviceCpuSeconds(),
    cpuSecondsOfCommand("postgres"),
    cpuSecondsOfCommand("nats-server"),
    machineBusySeconds()
  ])
  return { service, postgres, nats, loadGenerator: ownCpuSeconds(), machine }
}

/** Milliseconds of CPU a job each part used between two snapshots. */
export const cpuMsPerJob = (before: CpuSnapshot, after: CpuSnapshot, jobs: number): CpuSnapshot => {
  const per = (key: keyof CpuSnapshot) => ((after[key] - before[key]) * 1000) / Math.max(1, jobs)
  return { service: per("service"), postgres: per("postgres"), nats: per("nats"), loadGenerator: per("loadGenerator"), machine: per("machine") }
}
