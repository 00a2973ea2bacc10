import { join } from 'node:path'
import sparticuz from '@sparticuz/chromium'
import { chromium, type Page } from 'playwright-core'
import { tempDir } from './cli.js'

/** Flags that keep Chromium headless and off every network but the pages it is sent to. */
const quietArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

/** The unpacked @sparticuz/chromium binary, once per process. */
let unpacked: Promise<string> | undefined

/**
 * Which Chromium to launch: the one `CHROMIUM_PATH` names when set, else the headless build that
 * the `@sparticuz/chromium` package ships inside node_modules (unpacked to the temp folder on first use).
 */
async function chromiumLaunch (): Promise<{ executablePath: string, args: string[] }> {
  const configured = process.env.CHROMIUM_PATH
  if (configured != null && configured !== '') return { executablePath: configured, args: quietArgs }
  // one unpacking per process: two tests unpacking at once launched a half-written binary (ETXTBSY)
  unpacked ??= sparticuz.executablePath()
  return { executablePath: await unpacked, args: [...sparticuz.args, ...quietArgs] }
}

/** A fresh headless Chromium with its own profile folder, closed and removed after the test. */
export async function openBrowser (t: { teardown(fn: () => Promise<void>): void }): Promise<Page> {
  const profile = await tempDir('cairn-chromium-')
  t.teardown(profile.cleanup)
  const { executablePath, args } = await chromiumLaunch()
  const browser = await chromium.launchPersistentContext(join(profile.path, 'user-data'), { executablePath, headless: true, args, timeout: 60_000 })
  t.teardown(async () => { await browser.close() })
  return await browser.newPage()
}
