import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { Denylist } from '../../node/denylist/index.js'
import { tempDir } from '../helpers/cli.js'

const a = CID.parse('bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4')

test('isBlockedNow answers without waiting while the lists are fresh, and undefined when a re-read is due', async t => {
  const tmp = await tempDir('cairn-deny-now-')
  t.teardown(tmp.cleanup)
  const dir = join(tmp.path, 'denylists')
  await mkdir(dir)
  await writeFile(join(dir, 'a.deny'), `/ipfs/${a}\n`)
  const list = new Denylist(dir, { recheckMs: 200 })
  t.is(list.isBlockedNow(a), undefined, 'never read: the caller must wait for isBlocked')
  t.true(await list.isBlocked(a))
  t.true(list.isBlockedNow(a))
  t.false(list.isBlockedNow(CID.parse('bafkreih3q5pboyny7hhx5gqul3sufutgz5amq3mgfirw6rvr4h7i7qvmsm')))
  await new Promise(resolve => setTimeout(resolve, 250))
  t.is(list.isBlockedNow(a), undefined, 'stale after recheckMs')
})
