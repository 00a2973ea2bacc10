import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem, type } from 'node:os'

/** One figure of the table: every run of each side, medians taken when it is written. */
export interface Figure {
  name: string
  unit: 'MiB/s' | 's' | 'ms' | 'req/s' | 'files/s' | 'MiB'
  /** Rates are better higher, times and memory lower. */
  better: 'higher' | 'lower'
  cairn: number[]
  stock: number[]
  ceiling: number[]
  ceilingName: string
  target: string
  note?: string
}

/** An empty figure; rates (MiB/s, req/s, files/s) are better higher, times and memory (MiB) lower. */
export function figure (name: string, unit: Figure['unit'], ceilingName: string, target: string, note?: string): Figure {
  return { name, unit, better: unit === 's' || unit === 'ms' || unit === 'MiB' ? 'lower' : 'higher', cairn: [], stock: [], ceiling: [], ceilingName, target, ...(note != null ? { note } : {}) }
}

/** The median of `values` (NaN for none). */
export function median (values: number[]): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const num = (n: number): string => Number.isNaN(n) ? '—' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(n >= 1 ? 2 : 3)

/** Cairn against another side: a share for rates (0.5 = half the rate), "N× longer" for times. */
function ratio (figure: Figure, other: number): string {
  const cairn = median(figure.cairn)
  if (Number.isNaN(other) || Number.isNaN(cairn)) return '—'
  if (figure.better === 'higher') return num(cairn / other)
  return figure.unit === 'MiB' ? `${num(cairn / other)}×` : `${num(cairn / other)}× longer`
}

/** The machine the bench ran on, for the record. */
export function machine (): Record<string, string | number> {
  const cpu = cpus()
  return { os: type(), cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg().map(n => n.toFixed(1)).join(' ') }
}

/** The table as Markdown. */
export function markdown (figures: Figure[], info: Record<string, string | number>): string {
  const rows = figures.map(f => {
    const unit = ` ${f.unit}`
    return `| ${f.name} | ${num(median(f.cairn))}${unit} | ${f.stock.length > 0 ? num(median(f.stock)) + unit : '—'} | ${f.ceiling.length > 0 ? `${f.ceilingName}: ${num(median(f.ceiling))}${unit}` : f.ceilingName} | ${ratio(f, median(f.ceiling))} | ${f.stock.length > 0 ? ratio(f, median(f.stock)) : '—'} | ${f.target} |`
  })
  return [
    `Machine: ${Object.entries(info).map(([k, v]) => `${k} ${v}`).join(', ')}. Medians of ${Math.max(...figures.map(f => f.cairn.length))} interleaved rounds (Cairn, stock Helia, ceiling).`,
    '',
    '| figure | Cairn | stock Helia | ceiling | Cairn / ceiling | Cairn / stock | target |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...figures.filter(f => f.note != null).map(f => `- ${f.name}: ${f.note as string}`)
  ].join('\n') + '\n'
}

/** Writes `<name>.json` and `<name>.md` under `dir` and returns the Markdown. */
export async function writeResults (dir: URL, figures: Figure[], info: Record<string, string | number>, name = 'latest'): Promise<string> {
  await mkdir(dir, { recursive: true })
  const md = markdown(figures, info)
  const json = figures.map(f => ({ ...f, medians: { cairn: median(f.cairn), stock: median(f.stock), ceiling: median(f.ceiling) } }))
  await writeFile(new URL(`${name}.json`, dir), JSON.stringify({ date: new Date().toISOString(), machine: info, figures: json }, null, 2) + '\n')
  await writeFile(new URL(`${name}.md`, dir), md)
  return md
}
