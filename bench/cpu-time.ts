import { readFileSync } from 'node:fs'

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every Linux build Node runs on). */
const ticksPerSecond = 100

/**
 * User + system time from /proc/<pid>/stat, in seconds: the process's own, or with
 * `children` that of its children waited for; undefined where /proc is not there.
 */
function statCpuSeconds (pid: number | 'self', children = false): number | undefined {
  try {
    // the fields after the command name, which is in parentheses and may hold spaces
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    const at = children ? 13 : 11
    return (Number(fields[at]) + Number(fields[at + 1])) / ticksPerSecond
  } catch {
    return undefined
  }
}

/** CPU seconds a job cost another process (a server, or a child run to its end) and this one meanwhile. */
export interface CpuCost { other: number, self: number }

/**
 * Runs `job` and returns what it cost in CPU: the process `of`'s (a server's pid, or
 * `'children'`: the child processes the job ran and waited for) and this process's;
 * undefined without /proc.
 */
export async function cpuCostOf (of: number | 'children', job: () => Promise<unknown>): Promise<CpuCost | undefined> {
  const read = (): number | undefined => of === 'children' ? statCpuSeconds('self', true) : statCpuSeconds(of)
  const otherBefore = read()
  const selfBefore = process.cpuUsage()
  await job()
  const self = process.cpuUsage(selfBefore)
  const otherAfter = read()
  if (otherBefore == null || otherAfter == null) return undefined
  return { other: otherAfter - otherBefore, self: (self.user + self.system) / 1e6 }
}
