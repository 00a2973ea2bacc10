// Bundles the built CLI (dist/cli/bin.js) into dist/cairn/: one entry and chunks per lazy
// import. Start-up is mostly module resolution and compiling (hundreds of files, each
// with its package.json lookups); bundled, `cairn id` starts in about 60 % of the time.
// Packages that find their own files at run time (native addons, a wasm file, a
// package.json read through createRequire) stay outside and load from node_modules.
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { heliaFile } from '../dist/node/helia-class.js'
import { unixfsProtonsRuntimeFile } from '../dist/node/unixfs-protons.js'

// Two modules import a dependency's file by a path found at run time, which a bundler
// cannot follow: left so, those files and theirs (about 500) load one by one from
// node_modules. In the bundle each module is replaced by static imports of the same files.
const heliaClass = fileURLToPath(heliaFile('helia.js'))
const heliaVersion = fileURLToPath(heliaFile('version.js'))
const protonsRuntime = await unixfsProtonsRuntimeFile()
const replaced = {
  'helia-class.js': `import { Helia } from ${JSON.stringify(heliaClass)}
import { name, version } from ${JSON.stringify(heliaVersion)}
export async function loadHeliaClass () { return { Helia, name, version } }
`,
  'unixfs-protons.js': protonsRuntime == null
    ? 'export async function loadUnixfsProtonsWriter () { return undefined }\n'
    : `import { writer } from ${JSON.stringify(protonsRuntime)}
export async function loadUnixfsProtonsWriter () { return writer }
`
}
const staticImports = {
  name: 'static-imports',
  setup (build) {
    const names = Object.keys(replaced).map(file => file.replace(/\.js$/, '')).join('|')
    build.onLoad({ filter: new RegExp(`[\\\\/]dist[\\\\/]node[\\\\/](${names})\\.js$`) }, args => ({
      contents: replaced[args.path.split(/[\\/]/).pop()],
      loader: 'js',
      resolveDir: fileURLToPath(new URL('../dist/node/', import.meta.url))
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
  plugins: [staticImports],
  // every command compiles the chunks it loads (Node 20 keeps no compile cache); without
  // comments and whitespace a 1 KiB `cat` through a daemon took 0.110 s against 0.115.
  // Names are kept, so stack traces still name their functions
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['classic-level', 'fs-native-extensions', 'node-datachannel', 'rabin-wasm', '@achingbrain/ssdp'],
  // CommonJS dependencies inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __cairnRequire } from 'node:module'; const require = __cairnRequire(import.meta.url);" }
})
