import { CorruptBlockError, NotPinnedError, UsageError } from '../errors.js'
import { valuesCommand, type Options } from './command.js'
import type { PinVerifyResult } from '../pins/pins.js'
import type { CairnNode } from '../node.js'

/** Kubo's `pin add` / `pin rm` answer: the CIDs pinned or unpinned. */
export interface PinsResult { Pins: string[] }

/** `pin add --progress` values: blocks walked so far. */
export interface PinProgress { Progress: number }

/** One line of `pin ls` (Kubo's `--stream` shape). */
export interface PinLsEntry {
  Cid: string
  /** `recursive`, `direct`, `indirect`, or `indirect through <cid>` for a CID asked about. */
  Type: string
  Name: string
}

/** `pin ls` without `--stream` (Kubo's shape): every pin at once, keyed by CID. */
export interface PinLsKeys { Keys: Record<string, { Type: string, Name: string }> }

const PROGRESS_EVERY = 256
const pinTypes = ['all', 'recursive', 'direct', 'indirect'] as const

export const pinAdd = valuesCommand<PinsResult | PinProgress>({
  path: ['pin', 'add'],
  description: 'Pin CIDs so that GC keeps them: the whole DAG (default) or, with --recursive=false, the block alone',
  args: [{ name: 'cid', description: 'CIDs to pin', required: true, variadic: true }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', default: true, description: 'pin the whole DAG (--recursive=false: the block alone)' },
    { name: 'name', type: 'string', description: 'a name stored with the pin' },
    { name: 'progress', type: 'boolean', description: 'report the number of blocks walked' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const { parseCid } = await import('../content/content-path.js')
    const { addPin } = await import('../pins/pins.js')
    const cids = args.map(parseCid)
    const recursive = options.recursive !== false
    for (const cid of cids) {
      let walked = 0
      const progress: PinProgress[] = []
      await addPin(node, cid, {
        recursive,
        signal,
        ...(typeof options.name === 'string' ? { name: options.name } : {}),
        onBlock: () => {
          walked++
          if (options.progress === true && walked % PROGRESS_EVERY === 0) progress.push({ Progress: walked })
        }
      })
      yield * progress
      if (options.progress === true) yield { Progress: walked }
      yield { Pins: [cid.toString()] }
    }
  },
  text (value, options) {
    if ('Progress' in value) return undefined
    return value.Pins.map(cid => `pinned ${cid} ${options.recursive === false ? 'directly' : 'recursively'}`).join('\n')
  }
})

export const pinRm = valuesCommand<PinsResult>({
  path: ['pin', 'rm'],
  description: 'Remove pins (the blocks stay until repo gc)',
  args: [{ name: 'cid', description: 'pinned CIDs', required: true, variadic: true }],
  options: [],
  async * run ({ node, signal }, { args }) {
    const { parseCid } = await import('../content/content-path.js')
    const { removePin } = await import('../pins/pins.js')
    const cids = args.map(parseCid)
    for (const cid of cids) {
      await removePin(node, cid, signal)
      yield { Pins: [cid.toString()] }
    }
  },
  text: value => value.Pins.map(cid => `unpinned ${cid}`).join('\n')
})

/** The lines of `pin ls`, one per pin. */
async function * pinLines (node: CairnNode, signal: AbortSignal, args: string[], options: Options): AsyncGenerator<PinLsEntry> {
  const [{ parseCid }, { findIndirect, indirectPins, listPins, pinOf }, { blockKey }] = await Promise.all([
    import('../content/content-path.js'),
    import('../pins/pins.js'),
    import('../repo/block-files.js')
  ])
  const type = typeof options.type === 'string' ? options.type : 'all'
  if (!(pinTypes as readonly string[]).includes(type)) {
    throw new UsageError(`invalid --type "${type}" (one of ${pinTypes.join(', ')})`)
  }
  const nameFilter = typeof options.name === 'string' ? options.name : undefined
  const named = (name: string | undefined): boolean => nameFilter == null || (name ?? '').includes(nameFilter)
  if (args.length > 0) {
    for (const cid of args.map(parseCid)) {
      const pin = await pinOf(node, cid, signal)
      if (pin != null && (type === 'all' || type === pin.type)) {
        if (named(pin.name)) yield { Cid: cid.toString(), Type: pin.type, Name: pin.name ?? '' }
        continue
      }
      const through = type === 'all' || type === 'indirect' ? await findIndirect(node, cid, signal) : undefined
      if (through == null) throw new NotPinnedError(`path '${cid.toString()}' is not pinned${type !== 'all' ? ` (as ${type})` : ''}`)
      if (named(undefined)) yield { Cid: cid.toString(), Type: `indirect through ${through.toString()}`, Name: '' }
    }
    return
  }
  // as Kubo: with `all`, a block that is pinned directly is listed as direct, not again as indirect
  const listed = new Set<string>()
  if (type !== 'indirect') {
    for await (const pin of listPins(node, signal)) {
      if ((type === 'all' || type === pin.type) && named(pin.name)) {
        listed.add(blockKey(pin.cid.multihash))
        yield { Cid: pin.cid.toString(), Type: pin.type, Name: pin.name ?? '' }
      }
    }
  }
  if ((type === 'all' || type === 'indirect') && nameFilter == null) {
    for await (const { cid } of indirectPins(node, signal)) {
      if (!listed.has(blockKey(cid.multihash))) yield { Cid: cid.toString(), Type: 'indirect', Name: '' }
    }
  }
}

export const pinLs = valuesCommand<PinLsEntry | PinLsKeys>({
  path: ['pin', 'ls'],
  description: 'List pins: `<cid> <type> [name]` (type all, recursive, direct or indirect)',
  args: [{ name: 'cid', description: 'only these CIDs (says how each is pinned)', variadic: true }],
  options: [
    { name: 'type', short: 't', type: 'string', default: 'all', description: 'all | recursive | direct | indirect' },
    { name: 'name', short: 'n', type: 'string', description: 'only pins whose name contains this' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the CIDs' },
    { name: 'stream', short: 's', type: 'boolean', description: 'give each pin as it is found ({Cid, Type, Name}); without it, one {Keys} object once all are found (Kubo)' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const lines = pinLines(node, signal, args, options)
    if (options.stream === true) {
      yield * lines
      return
    }
    const keys: PinLsKeys['Keys'] = {}
    for await (const line of lines) keys[line.Cid] = { Type: line.Type, Name: line.Name }
    yield { Keys: keys }
  },
  text (value, options) {
    const lines = 'Keys' in value ? Object.entries(value.Keys).map(([Cid, pin]) => ({ Cid, ...pin })) : [value]
    if (lines.length === 0) return undefined
    return lines.map(line => options.quiet === true ? line.Cid : line.Name !== '' ? `${line.Cid} ${line.Type} ${line.Name}` : `${line.Cid} ${line.Type}`).join('\n')
  }
})

export const pinVerify = valuesCommand<PinVerifyResult>({
  path: ['pin', 'verify'],
  description: 'Check that every block of every pin is present and hashes to its CID; exits 1 if any is bad',
  args: [],
  options: [
    { name: 'verbose', type: 'boolean', description: 'also print the pins that are fine' },
    { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the CIDs of broken pins' }
  ],
  async * run ({ node, signal }) {
    const { verifyPins } = await import('../pins/pins.js')
    let broken = 0
    for await (const result of verifyPins(node, signal)) {
      if (!result.Ok) broken++
      yield result
    }
    if (broken > 0) throw new CorruptBlockError(`pin verify: ${broken} pin${broken === 1 ? ' is' : 's are'} broken`)
  },
  text (value, options) {
    if (value.Ok) return options.verbose === true ? `${value.Cid} ok` : undefined
    if (options.quiet === true) return value.Cid
    return [`${value.Cid} broken`, ...(value.BadNodes ?? []).map(bad => `  ${bad.Cid}: ${bad.Err}`)].join('\n')
  }
})

export const pinUpdate = valuesCommand<PinsResult>({
  path: ['pin', 'update'],
  description: 'Pin <to> recursively in place of the recursive pin <from> (kept with --unpin=false)',
  args: [
    { name: 'from', description: 'a recursively pinned CID', required: true },
    { name: 'to', description: 'the CID to pin instead', required: true }
  ],
  options: [
    { name: 'unpin', type: 'boolean', default: true, description: 'remove the old pin (--unpin=false keeps it)' }
  ],
  async * run ({ node, signal }, { args, options }) {
    const { parseCid } = await import('../content/content-path.js')
    const { addPin, pinOf, removePin } = await import('../pins/pins.js')
    const from = parseCid(args[0] as string)
    const to = parseCid(args[1] as string)
    const old = await pinOf(node, from, signal)
    if (old?.type !== 'recursive') throw new NotPinnedError(`'from' cid ${from.toString()} is not pinned recursively`)
    await addPin(node, to, { recursive: true, signal, ...(old.name != null ? { name: old.name } : {}) })
    if (options.unpin !== false && !from.equals(to)) await removePin(node, from, signal)
    yield { Pins: [from.toString(), to.toString()] }
  },
  text: value => `updated ${value.Pins[0] ?? ''} to ${value.Pins[1] ?? ''}`
})
