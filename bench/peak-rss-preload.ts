// Loaded into a CLI process with `--import` (bench/peak-rss.ts): on exit, writes the
// process's peak resident set (getrusage ru_maxrss, in bytes) to BENCH_PEAK_RSS_FILE.
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_PEAK_RSS_FILE
if (file != null) process.on('exit', () => { writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)) })
