import { Option, type Command as Commander } from 'commander'
import { profileNames, type ProfileName } from '../config/profiles.js'
import { resolveRepoPath } from '../node/repo/paths.js'
import type { GlobalOptions } from './program.js'

/** `cairn init [--profile NAME]`: creates the repo (CLI only, it needs no node). */
export function registerInit (program: Commander): void {
  program.command('init')
    .description('Create a repo with a new identity')
    .addOption(new Option('--profile <name>', 'config profile').choices(profileNames).default('public'))
    .action(async (opts: { profile: ProfileName }, self: Commander) => {
      const globals = self.optsWithGlobals<GlobalOptions>()
      const root = resolveRepoPath(globals.repo)
      const { initRepo } = await import('../node/repo/repo.js')
      const config = await initRepo(root, opts.profile)
      if (globals.json === true) {
        process.stdout.write(JSON.stringify({ Path: root, PeerID: config.Identity.PeerID, Profile: opts.profile }) + '\n')
      } else {
        process.stdout.write(`initialized cairn repo at ${root}\npeer identity: ${config.Identity.PeerID}\n`)
      }
    })
}
