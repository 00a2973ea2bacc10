import test from 'ava'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseCar } from '../helpers/car.js'
import { importFixture } from '../helpers/fixtures.js'
import { startTestGateway } from '../helpers/gateway.js'

const file = 'bafybeigcisqd7m5nf3qmuvjdbakl5bdnh4ocrmacaqkpuh77qjvggmt2sa'
const firstLeaf = 'bafkreie5noke3mb7hqxukzcy73nl23k6lxszxi5w3dtmuwz62wnvkpsscm'
const blockedLeaf = 'bafkreicll3huefkc3qnrzeony7zcfo7cr3nbx64hnxrqzsixpceg332fhe'

test('a denylisted block is refused: 410 for its raw block and CAR, a CAR that would hold it is cut, the rest is served', async t => {
  const gw = await startTestGateway()
  t.teardown(gw.cleanup)
  await importFixture(gw.node, 'trustless_gateway_car/subdir-with-mixed-block-files.car')
  const denylists = gw.node.repo.paths.denylists
  await mkdir(denylists, { recursive: true })
  await writeFile(join(denylists, 'trustless.deny'), `/ipfs/${blockedLeaf}\n`)
  // the gateway re-reads the lists at most once a second
  await new Promise(resolve => setTimeout(resolve, 1100))
  t.is((await gw.get(`/ipfs/${blockedLeaf}?format=raw`)).status, 410)
  t.is((await gw.get(`/ipfs/${blockedLeaf}?format=car`)).status, 410)
  t.is((await gw.get(`/ipfs/${blockedLeaf}?format=dag-json`)).status, 410)
  const car = await gw.get(`/ipfs/${file}?format=car`)
  t.is(car.status, 200)
  await t.throwsAsync(async () => await car.arrayBuffer())
  // a range that does not need the blocked leaf is still served
  const range = await gw.get(`/ipfs/${file}?format=car&entity-bytes=0:255`)
  t.is(range.status, 200)
  t.deepEqual((await parseCar(new Uint8Array(await range.arrayBuffer()))).cids, [file, firstLeaf])
})
