#!/usr/bin/env node
import '../node/polyfill.js'
import { main } from './main.js'

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // a closed pipe (`cairn cat x | head`) is not an error
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

process.exitCode = await main(process.argv.slice(2))
