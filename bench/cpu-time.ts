import { readFileSync } from 'node:fs'

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every Linux build Node runs on). */
const ticksPerSecond = 100

/** CPU time (user + system) a process has used so far, in seconds; undefined where /proc is not there. */
export function processCpuSeconds (pid: number): number | undefined {
  try {
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
  } catch {
    return undefined
  }
}

/** CPU seconds a job cost a server process and this one (its client). */
export interface CpuCost { server: number, client: number }

/** Runs `job` and returns what it cost in CPU: the server `pid`'s and this process's; undefined without /proc. */
export async function cpuCostOf (pid: number, job: () => Promise<unknown>): Promise<CpuCost | undefined> {
  const serverBefore = processCpuSeconds(pid)
  const clientBefore = process.cpuUsage()
  await job()
  const client = process.cpuUsage(clientBefore)
  const serverAfter = processCpuSeconds(pid)
  if (serverBefore == null || serverAfter == null) return undefined
  return { server: serverAfter - serverBefore, client: (client.user + client.system) / 1e6 }
}
