import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { ProviderAbsence } from '../../node/network/no-providers.js'
import type { Helia } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'

/**
 * A ProviderAbsence over a fake node: one connected peer that answered DONT_HAVE, and a
 * DHT whose provider searches find nobody, the first `failing` of them meeting a failed peer.
 */
async function absence (failing: number): Promise<{ watch: Promise<void>, searches: () => number, cid: CID, abort: () => void }> {
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('nobody has this')))
  let searches = 0
  const libp2p = { peerId: self, getConnections: () => [{ remotePeer: peer }], addEventListener () {}, removeEventListener () {} }
  const routing = {
    async * findProviders (_cid: CID, options: { onProgress?: (evt: { type: string }) => void }) {
      if (searches++ < failing) options.onProgress?.({ type: 'kad-dht:query:query-error' })
      yield * []
    }
  }
  const wantList = new EventTarget()
  const helia = { libp2p, routing } as unknown as Helia & { libp2p: Libp2p }
  const watcher = new ProviderAbsence(helia, { wantList, startDelay: 0, recheckMs: 10 })
  wantList.dispatchEvent(new CustomEvent('presence', { detail: { sender: peer, cid, has: false } }))
  const controller = new AbortController()
  return { watch: watcher.watch(cid, controller.signal), searches: () => searches, cid, abort: () => { controller.abort() } }
}

test('a provider search that met a failed DHT peer is run again; a clean one that finds nobody decides ERR_NO_PROVIDERS', async t => {
  const { watch, searches } = await absence(1)
  const err = await t.throwsAsync(watch)
  t.is((err as { code?: string }).code, 'ERR_NO_PROVIDERS')
  t.is(searches(), 2)
})

test('two searches that meet failed DHT peers decide nothing: the fetch is left to its timeout', async t => {
  const { watch, searches, abort } = await absence(2)
  const timer = setTimeout(abort, 2_000)
  await t.notThrowsAsync(watch)
  clearTimeout(timer)
  t.is(searches(), 2)
})
