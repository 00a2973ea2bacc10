import test from 'ava'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { sha512 } from 'multiformats/hashes/sha2'
import { defaultConfig } from '../../config/config.js'
import { isSubdomainGateway, parseSubdomainHost, splitHost, subdomainLabel, subdomainUrl } from '../../gateway/subdomain.js'
import { createIdentity } from '../../node/repo/identity.js'

const config = defaultConfig(await createIdentity(), 'local')
config.Gateway.PublicGateways['dweb.example'] = { Paths: ['/ipfs'], UseSubdomains: true }
config.Gateway.PublicGateways['paths.example'] = { Paths: ['/ipfs'], UseSubdomains: false }
const v1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

test('splitHost lowercases the name, keeps the port, and unbrackets nothing it should not', t => {
  t.deepEqual(splitHost('LocalHost:8080'), { hostname: 'localhost', port: ':8080' })
  t.deepEqual(splitHost('example.org'), { hostname: 'example.org', port: '' })
  t.deepEqual(splitHost('[::1]:5001'), { hostname: '[::1]', port: ':5001' })
})

test('isSubdomainGateway follows Gateway.PublicGateways (localhost by default), case-insensitively', t => {
  t.true(isSubdomainGateway(config, 'localhost'))
  t.true(isSubdomainGateway(config, 'dweb.example'))
  t.false(isSubdomainGateway(config, 'paths.example'))
  t.false(isSubdomainGateway(config, '127.0.0.1'))
})

test('parseSubdomainHost: <id>.ipfs|ipns.<gateway> on a subdomain gateway, nothing elsewhere', t => {
  t.deepEqual(parseSubdomainHost(config, `${v1}.ipfs.localhost:8080`), { namespace: 'ipfs', id: v1, gatewayHost: 'localhost:8080' })
  t.deepEqual(parseSubdomainHost(config, 'en-wikipedia--on--ipfs-org.ipns.dweb.example'), { namespace: 'ipns', id: 'en-wikipedia--on--ipfs-org', gatewayHost: 'dweb.example' })
  for (const host of [undefined, 'localhost:8080', `${v1}.ipfs.paths.example`, `${v1}.ipfs.127.0.0.1`, `${v1}.ipfz.localhost`, 'a.b.ipfs.unknown.example']) {
    t.is(parseSubdomainHost(config, host), undefined, String(host))
  }
})

test('subdomainLabel is base32 CIDv1, or base36 when base32 would not fit a 63-character DNS label', async t => {
  const v0 = CID.parse('QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR')
  t.is(subdomainLabel(v0), v0.toV1().toString())
  t.true(subdomainLabel(v0).length <= 63)
  const long = CID.createV1(0x55, await sha512.digest(new Uint8Array([1])))
  t.true(long.toString(base32).length > 63)
  t.is(subdomainLabel(long), long.toString(base36))
  t.is(subdomainUrl('http', 'localhost:8080', v0, '/a%20b', '?x=1'), `http://${v0.toV1().toString()}.ipfs.localhost:8080/a%20b?x=1`)
  t.is(subdomainUrl('https', 'dweb.example', v0, '', ''), `https://${v0.toV1().toString()}.ipfs.dweb.example/`)
})
