import { cairnVersion, versionInfo } from '../node/version.js'
import type { Command as Commander } from 'commander'
import type { GlobalOptions } from './program.js'

/** `cairn version [--number] [--all]`, Kubo's `ipfs version`: needs no repo. */
export function registerVersion (program: Commander): void {
  program.version(`cairn version ${cairnVersion}`, '--version', 'print the version')
  program.command('version')
    .description('Show Cairn\'s version (--all: with the system, Node.js, Helia and libp2p versions)')
    .option('-n, --number', 'print only the version number')
    .option('--all', 'print the system, Node.js, Helia and libp2p versions too')
    .action((opts: { number?: boolean, all?: boolean }, self: Commander) => {
      const info = versionInfo()
      if (self.optsWithGlobals<GlobalOptions>().json === true) {
        process.stdout.write(JSON.stringify(info) + '\n')
      } else if (opts.all === true) {
        process.stdout.write([
          `Cairn version: ${info.Version}`,
          `System version: ${info.System}`,
          `Node.js version: ${info.Node}`,
          `Helia version: ${info.Helia}`,
          `libp2p version: ${info.Libp2p}`
        ].join('\n') + '\n')
      } else {
        process.stdout.write(opts.number === true ? `${info.Version}\n` : `cairn version ${info.Version}\n`)
      }
    })
}
