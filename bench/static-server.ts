// express.static over a folder in its own process (as the gateways under test run in
// theirs): the ceiling for serving files over HTTP. Prints its port, then serves until killed.
import express from 'express'
import type { AddressInfo } from 'node:net'

const app = express()
app.use(express.static(process.argv[2] ?? '.'))
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
