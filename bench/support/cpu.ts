/** CPU time and memory of processes, from Linux /proc: a cheap hint of where the time goes. */
import { readFile } from "node:fs/promises"

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
