import test from 'ava'
import { contentRange, maxRanges, multipartLayout, parseRange } from '../../gateway/range.js'

test('parseRange reads a-b, a- and -n, clipping ends to the file', t => {
  t.deepEqual(parseRange('bytes=0-9', 100), { kind: 'ranges', ranges: [{ start: 0, end: 9 }] })
  t.deepEqual(parseRange('bytes=90-', 100), { kind: 'ranges', ranges: [{ start: 90, end: 99 }] })
  t.deepEqual(parseRange('bytes=-10', 100), { kind: 'ranges', ranges: [{ start: 90, end: 99 }] })
  t.deepEqual(parseRange('bytes=95-200', 100), { kind: 'ranges', ranges: [{ start: 95, end: 99 }] })
  t.deepEqual(parseRange('bytes=-500', 100), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] })
  t.deepEqual(parseRange(' Bytes = 1-2 ', 100), { kind: 'ranges', ranges: [{ start: 1, end: 2 }] })
})

test('parseRange ignores what it cannot read: absent, other units, malformed, reversed, too many parts', t => {
  for (const header of [undefined, 'items=0-1', 'bytes=', 'bytes=a-b', 'bytes=-', 'bytes=5-2', 'bytes=1-2,x']) {
    t.deepEqual(parseRange(header, 100), { kind: 'full' }, String(header))
  }
  const many = 'bytes=' + Array.from({ length: maxRanges + 1 }, (_, i) => `${i}-${i}`).join(',')
  t.deepEqual(parseRange(many, 1000), { kind: 'full' })
  const allowed = 'bytes=' + Array.from({ length: maxRanges }, (_, i) => `${i * 2}-${i * 2}`).join(',')
  t.is((parseRange(allowed, 1000) as { ranges: unknown[] }).ranges.length, maxRanges)
})

test('parseRange: parts wholly past the end are dropped; none left is unsatisfiable', t => {
  t.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' })
  t.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' })
  t.deepEqual(parseRange('bytes=-5', 0), { kind: 'unsatisfiable' })
  t.deepEqual(parseRange('bytes=200-300,0-0', 100), { kind: 'ranges', ranges: [{ start: 0, end: 0 }] })
})

test('parseRange coalesces overlapping and adjacent parts in ascending order; a set larger than the file is the whole file', t => {
  t.deepEqual(parseRange('bytes=50-59,0-9,10-19,55-70', 100), { kind: 'ranges', ranges: [{ start: 0, end: 19 }, { start: 50, end: 70 }] })
  t.deepEqual(parseRange('bytes=0-9,20-29', 100), { kind: 'ranges', ranges: [{ start: 0, end: 9 }, { start: 20, end: 29 }] })
  // 64 overlapping copies of most of the file: amplification, answered with the file once
  const flood = 'bytes=' + Array.from({ length: 64 }, () => '0-89').join(',')
  t.deepEqual(parseRange(flood, 100), { kind: 'full' })
})

test('multipartLayout: its length is the exact byte count of heads, ranges and tail', t => {
  const ranges = [{ start: 0, end: 9 }, { start: 20, end: 24 }]
  const layout = multipartLayout(ranges, 100, 'text/plain')
  t.is(layout.contentType, `multipart/byteranges; boundary=${layout.boundary}`)
  t.is(layout.heads.length, 2)
  t.true(layout.heads[0]?.startsWith(`--${layout.boundary}\r\n`))
  t.true(layout.heads[1]?.startsWith(`\r\n--${layout.boundary}\r\n`))
  t.true(layout.heads[1]?.includes(`Content-Range: ${contentRange({ start: 20, end: 24 }, 100)}\r\n`))
  const body = layout.heads[0] + 'x'.repeat(10) + layout.heads[1] + 'y'.repeat(5) + layout.tail
  t.is(layout.length, Buffer.byteLength(body))
  t.is(contentRange({ start: 20, end: 24 }, 100), 'bytes 20-24/100')
})
