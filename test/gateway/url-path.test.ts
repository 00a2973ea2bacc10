import test from 'ava'
import { encodeSegment, parseUrlPath } from '../../gateway/content-request.js'
import { InvalidCidError, InvalidPathError } from '../../node/errors.js'

const cid = 'bafkqaaa'

test('parseUrlPath: the CID, each segment decoded on its own, the canonical encoded rest, the trailing slash', t => {
  const parsed = parseUrlPath(`${cid}/a%20b/c%3Fd/`)
  t.is(parsed.root.toString(), cid)
  t.is(parsed.rootText, cid)
  t.deepEqual(parsed.segments, ['a b', 'c?d'])
  t.is(parsed.encodedRest, '/a%20b/c%3Fd')
  t.true(parsed.trailingSlash)
  t.false(parseUrlPath(cid).trailingSlash)
  t.false(parseUrlPath(`${cid}/x`).trailingSlash)
  // doubled slashes make no empty segment
  t.deepEqual(parseUrlPath(`${cid}//x//y`).segments, ['x', 'y'])
})

test('parseUrlPath refuses dot segments in any encoding, an encoded slash, NUL and bad escapes', t => {
  for (const rest of [`${cid}/..`, `${cid}/.`, `${cid}/%2e%2E`, `${cid}/%2E`, `${cid}/a%2Fb`, `${cid}/a%00b`, `${cid}/%E0%A4%A`, '']) {
    t.throws(() => parseUrlPath(rest), { instanceOf: InvalidPathError }, rest)
  }
  t.throws(() => parseUrlPath('not-a-cid/x'), { instanceOf: InvalidCidError })
})

test('encodeSegment keeps RFC 3986 pchar as is and escapes the rest', t => {
  t.is(encodeSegment("a!$&'()*+,;=:@b"), "a!$&'()*+,;=:@b")
  t.is(encodeSegment('a b/c?d#e%'), 'a%20b%2Fc%3Fd%23e%25')
  t.is(encodeSegment('ünï'), '%C3%BCn%C3%AF')
})
