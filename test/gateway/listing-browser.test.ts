import test from 'ava'
import { openBrowser } from '../helpers/browser.js'
import { importFixture } from '../helpers/fixtures.js'
import { startTestGateway } from '../helpers/gateway.js'

test('headless Chromium opens a directory listing and clicks through to a file', async t => {
  const gw = await startTestGateway()
  t.teardown(gw.cleanup)
  const listing = await importFixture(gw.node, 'dir_listing/fixtures.car')
  const page = await openBrowser(t)

  // no trailing slash: the gateway redirects, the browser follows
  const response = await page.goto(`${gw.url}/ipfs/${listing.toString()}`)
  t.is(response?.status(), 200)
  t.is(new URL(page.url()).pathname, `/ipfs/${listing.toString()}/`)
  t.is(await page.locator('h1').innerText(), `Index of /ipfs/${listing.toString()}/`)

  await page.getByRole('link', { name: 'ą', exact: true }).click()
  await page.waitForURL(/%C4%85\/$/)
  await page.getByRole('link', { name: 'ę', exact: true }).click()
  await page.waitForURL(/%C4%99\/$/)
  t.true(await page.getByRole('link', { name: '..', exact: true }).isVisible())

  const [file] = await Promise.all([
    page.waitForResponse(r => r.url().endsWith('file-%C5%BA%C5%82.txt')),
    page.getByRole('link', { name: 'file-źł.txt' }).click()
  ])
  t.is(file.status(), 200)
  t.is(file.headers()['content-type'], 'text/plain; charset=utf-8')
  t.is((await page.locator('body').innerText()).trim(), 'I am a txt file on path with utf8')
})

test('headless Chromium follows the localhost redirect to the subdomain gateway and browses there', async t => {
  const gw = await startTestGateway()
  t.teardown(gw.cleanup)
  const dir = await importFixture(gw.node, 'path_gateway_unixfs/dir-with-files.car')
  const page = await openBrowser(t)
  const port = new URL(gw.url).port
  const response = await page.goto(`http://localhost:${port}/ipfs/${dir.toString()}/`)
  t.is(response?.status(), 200)
  t.is(new URL(page.url()).host, `${dir.toString()}.ipfs.localhost:${port}`)
  await page.getByRole('link', { name: 'hello.txt', exact: true }).click()
  await page.waitForURL(/\/hello\.txt$/)
  t.is(new URL(page.url()).pathname, '/hello.txt')
  t.is((await page.locator('body').innerText()).trim(), 'hello world')
})
