// The entry of the single-file agent bundle (scripts/build-agent.mjs): only `synkti agent`, so the
// bundle carries neither the engine nor native modules. `node synkti-agent.mjs --config-dir /etc/synkti`.
import { Command } from 'commander'
import { errorText } from '../../shared/errors'
import { registerAgent } from './agent'
import { UsageError } from './errors'

const program = new Command('synkti-agent').exitOverride()
registerAgent(program)
program
  .parseAsync(['agent', ...process.argv.slice(2)], { from: 'user' })
  .catch((error: unknown) => {
    // commander has printed its own usage errors; ours are one line
    if ((error as { code?: string }).code?.startsWith('commander.')) {
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 2
      return
    }
    console.error(`synkti-agent: ${error instanceof UsageError ? error.message : errorText(error)}`)
    process.exitCode = error instanceof UsageError ? 2 : 1
  })
