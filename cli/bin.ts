#!/usr/bin/env node
import '../node/polyfill.js'
import { diskFullError } from '../node/errors.js'
import { EXIT_ERROR } from './exit-codes.js'
import { main } from './main.js'

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // a closed pipe (`cairn cat x | head`) is not an error
  if (err.code === 'EPIPE') process.exit(0)
  const full = diskFullError(err, 'standard output')
  if (full == null) throw err
  process.stderr.write(`Error: ${full.message}\n`)
  process.exit(EXIT_ERROR)
})

process.exitCode = await main(process.argv.slice(2))
