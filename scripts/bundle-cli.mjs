// Bundles the built CLI (dist/cli/bin.js) into dist/cairn/: one entry and chunks per lazy
// import. Start-up is mostly module resolution and compiling (hundreds of files, each
// with its package.json lookups); bundled, `cairn id` starts in about 60 % of the time.
// Packages that find their own files at run time (native addons, a wasm file, a
// package.json read through createRequire) stay outside and load from node_modules.
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

// node/helia-class.js imports Helia's class by a URL made at run time (the package exports
// only its index), which a bundler cannot follow: left so, the class and its dependencies
// (about 400 files) load one by one from node_modules. The bundle imports them statically.
const heliaDist = dirname(fileURLToPath(import.meta.resolve('helia')))
const heliaClass = {
  name: 'helia-class',
  setup (build) {
    build.onLoad({ filter: /[\\/]dist[\\/]node[\\/]helia-class\.js$/ }, () => ({
      contents: `import { Helia } from ${JSON.stringify(heliaDist + '/helia.js')}
import { name, version } from ${JSON.stringify(heliaDist + '/version.js')}
export async function loadHeliaClass () { return { Helia, name, version } }
`,
      loader: 'js'
    }))
  }
}

const outdir = new URL('../dist/cairn/', import.meta.url).pathname
await rm(outdir, { recursive: true, force: true })
await build({
  entryPoints: [new URL('../dist/cli/bin.js', import.meta.url).pathname],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [heliaClass],
  // ipfs-unixfs: node/protons-uint64-fix.ts patches the protons-runtime copy it loads from node_modules
  external: ['classic-level', 'fs-native-extensions', 'node-datachannel', 'rabin-wasm', '@achingbrain/ssdp', 'ipfs-unixfs'],
  // CommonJS dependencies inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __cairnRequire } from 'node:module'; const require = __cairnRequire(import.meta.url);" }
})
