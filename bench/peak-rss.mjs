// Preloaded (`node --import`) by the benchmark: appends this process's peak RSS in KiB to
// $BENCH_RSS_FILE when it exits. Costs one small module load, which the floor pays too.
import { appendFileSync } from 'node:fs'

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`)
})
