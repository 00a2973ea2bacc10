import test from 'ava'
import { readCall, stringArgs } from '../../gateway/rpc/call.js'
import { valuesCommand } from '../../node/commands/command.js'
import { UsageError } from '../../node/errors.js'

const probe = valuesCommand<never>({
  path: ['probe'],
  description: 'a command to read calls for',
  args: [{ name: 'key', description: 'a string', required: true }, { name: 'file', description: 'a file', kind: 'file' }],
  options: [
    { name: 'recursive', short: 'r', type: 'boolean', description: 'a boolean' },
    { name: 'pin', type: 'boolean', default: true, description: 'a boolean that defaults to true' },
    { name: 'maybe', type: 'boolean', tristate: true, description: 'a boolean that may stay unset' },
    { name: 'depth', type: 'number', description: 'a number' },
    { name: 'name', type: 'string', description: 'a string' }
  ],
  async * run () {},
  text: () => undefined
})

const read = (query: string): ReturnType<typeof readCall> => readCall(probe, new URLSearchParams(query))

test('readCall: arg parameters, options by name or short alias, the CLI defaults for the rest', t => {
  t.deepEqual(read('arg=a&r=true&depth=3&name=x'), { call: { args: ['a'], options: { recursive: true, pin: true, maybe: undefined, depth: 3, name: 'x' } } })
  t.deepEqual(read('arg=a').call.options, { recursive: false, pin: true, maybe: undefined, depth: undefined, name: undefined })
  t.is(read('arg=a&recursive=false&r=true').call.options.recursive, false, 'the long name wins')
  t.is(read('arg=a&unknown=1').call.args.length, 1, 'unknown parameters are ignored')
})

test('readCall reads Go\'s boolean spellings and refuses others, and numbers strictly', t => {
  for (const yes of ['', '1', 't', 'true', 'TRUE', 'True']) t.is(read(`arg=a&pin=${yes}`).call.options.pin, true, yes)
  for (const no of ['0', 'f', 'false', 'FALSE', 'False']) t.is(read(`arg=a&pin=${no}`).call.options.pin, false, no)
  t.throws(() => read('arg=a&pin=yes'), { instanceOf: UsageError, message: 'option "pin" takes true or false, not "yes"' })
  t.throws(() => read('arg=a&depth=ten'), { instanceOf: UsageError, message: 'option "depth" takes a number, not "ten"' })
  t.throws(() => read('arg=a&depth='), { instanceOf: UsageError })
})

test('readCall requires the required string arguments (file arguments come as multipart parts) and reads timeout', t => {
  t.deepEqual(stringArgs(probe).map(a => a.name), ['key'])
  t.throws(() => read(''), { instanceOf: UsageError, message: 'argument "key" is required' })
  t.throws(() => read('arg=a&arg=b'), { instanceOf: UsageError, message: 'expected at most 1 argument(s), got 2' })
  t.is(read('arg=a&timeout=1m30s').timeoutMs, 90_000)
  t.is(read('arg=a&timeout=').timeoutMs, undefined)
  t.throws(() => read('arg=a&timeout=soon'), { instanceOf: UsageError })
  t.throws(() => read('arg=a&timeout=99999999h'), { instanceOf: UsageError, message: /at most 596h/ })
})
