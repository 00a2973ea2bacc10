// Preloaded into a child process (`node --expose-gc --import <this file> …`) so a test can
// force garbage collection there: on SIGUSR2 it collects a few times, lets finalizers run
// (a FileHandle collected while open warns `Closing file descriptor N on garbage
// collection` from a finalizer), then prints `gc done` on stderr for the test to wait on.
const collect = globalThis.gc
if (typeof collect !== 'function') throw new Error('gc-on-signal.mjs needs node --expose-gc')

process.on('SIGUSR2', () => {
  let rounds = 0
  const round = () => {
    collect()
    if (++rounds < 5) setTimeout(round, 20)
    else setImmediate(() => process.stderr.write('gc done\n'))
  }
  round()
})
