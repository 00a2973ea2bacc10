#!/usr/bin/env node
import module from 'node:module'

// Node 22.1+ keeps the compiled code of every module on disk between runs (in the OS temp
// folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off): start-up is mostly module compiling.
// Enabled before anything else loads, so the rest is imported below, not statically.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

await import('../node/polyfill.js')
const [{ diskFullError }, { EXIT_ERROR }, { main }] = await Promise.all([
  import('../node/errors.js'),
  import('./exit-codes.js'),
  import('./main.js')
])

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // a closed pipe (`cairn cat x | head`) is not an error
  if (err.code === 'EPIPE') process.exit(0)
  const full = diskFullError(err, 'standard output')
  if (full == null) throw err
  process.stderr.write(`Error: ${full.message}\n`)
  process.exit(EXIT_ERROR)
})

process.exitCode = await main(process.argv.slice(2))
