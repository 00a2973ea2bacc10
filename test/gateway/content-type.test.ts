// The gateway's Content-Type sniffing (gateway/content-type.ts) and its JSON scanner.
import test from 'ava'
import { sniffContentType } from '../../gateway/content-type.js'
import { scanJson } from '../../gateway/json-sniff.js'

const whole = (text: string): { head: Uint8Array, whole: boolean } => ({ head: Buffer.from(text), whole: true })
const cut = (text: string): { head: Uint8Array, whole: boolean } => ({ head: Buffer.from(text), whole: false })

test('a JSON object or array without a .json name is application/json, as boxo sniffs it', async t => {
  t.is(await sniffContentType(undefined, whole('{"hello": ["world", 1.5e3, true, null]}\n')), 'application/json')
  t.is(await sniffContentType('data', whole('  [1, {"a": "\\u00e9\\n"}]')), 'application/json')
  // a sample cut short inside a value is JSON so far
  t.is(await sniffContentType(undefined, cut('{"items": [{"name": "a very long str')), 'application/json')
  t.is(await sniffContentType(undefined, cut('[1, 2, 3, -')), 'application/json')
})

test('text that is not a JSON object or array stays text/plain', async t => {
  const plain = 'text/plain; charset=utf-8'
  // scalars are text in boxo's sniffing
  t.is(await sniffContentType(undefined, whole('"just a string"')), plain)
  t.is(await sniffContentType(undefined, whole('12345')), plain)
  // broken or unfinished when the sample is the whole file
  t.is(await sniffContentType(undefined, whole('{"a": 1,}')), plain)
  t.is(await sniffContentType(undefined, whole('{"a": 1')), plain)
  t.is(await sniffContentType(undefined, whole('{"a": 1} trailing')), plain)
  t.is(await sniffContentType(undefined, whole('{a: 1}')), plain)
  t.is(await sniffContentType(undefined, cut('[01, 2')), plain)
  t.is(await sniffContentType(undefined, whole('[1.]')), plain)
  t.is(await sniffContentType(undefined, whole('{"bad escape": "\\x"}')), plain)
  t.is(await sniffContentType(undefined, whole('[tru]')), plain)
})

test('the name wins over the bytes, and without a sample only the name decides', async t => {
  t.is(await sniffContentType('notes.txt', whole('{"a": 1}')), 'text/plain; charset=utf-8')
  t.is(await sniffContentType('page.html', undefined), 'text/html; charset=utf-8')
  t.is(await sniffContentType(undefined, undefined), 'application/octet-stream')
  t.is(await sniffContentType('no-extension', undefined), 'application/octet-stream')
  // an empty file is text, a binary sample is bytes, HTML is still found by its tag
  t.is(await sniffContentType(undefined, whole('')), 'text/plain; charset=utf-8')
  t.is(await sniffContentType(undefined, { head: new Uint8Array([0, 1, 2, 200]), whole: true }), 'application/octet-stream')
  t.is(await sniffContentType(undefined, whole('<!DOCTYPE html><p>hi')), 'text/html; charset=utf-8')
})

test('scanJson tells a whole value, a cut-off start and invalid text apart', t => {
  t.is(scanJson('{"a": {"b": [1, 2, {"c": "d"}]}, "e": false}'), 'complete')
  t.is(scanJson('[]'), 'complete')
  t.is(scanJson('{}  \n'), 'complete')
  for (const prefix of ['{', '{"a', '{"a"', '{"a":', '{"a": 1', '{"a": 1,', '["x\\', '["\\u00', '[tr', '[fals', '[-1.5e', '[1e+']) {
    t.is(scanJson(prefix), 'prefix', prefix)
  }
  for (const bad of ['}', '{]', '[1 2]', '{"a" 1}', '{"a":}', '[,]', '["\\q"]', '["\u0001"]', '[nul1]', '[1.e5]', '[1]]', '{"a":1}}']) {
    t.is(scanJson(bad), 'invalid', bad)
  }
})

test('a type sniffed under a content id is remembered for that id, sample length and wholeness only', async t => {
  const id = 'bafkreiexample-sniff-cache'
  t.is(await sniffContentType(undefined, whole('{"a": 1}'), id), 'application/json')
  // the same id, length and wholeness: the remembered type, whatever the bytes
  t.is(await sniffContentType(undefined, whole('12345678'), id), 'application/json')
  // another length or a cut sample is sniffed again
  t.is(await sniffContentType(undefined, whole('12345'), id), 'text/plain; charset=utf-8')
  t.is(await sniffContentType(undefined, cut('12345678'), id), 'text/plain; charset=utf-8')
  // a known extension still decides first
  t.is(await sniffContentType('page.html', whole('{"a": 1}'), id), 'text/html; charset=utf-8')
})
