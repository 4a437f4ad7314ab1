// `synkti` command line: the plain-Node entry point (no Electron) for the simulator and, later, the
// fleet, the node agent and the headless daemon.
import { Command, CommanderError } from 'commander'
import { UsageError } from './errors'
import { registerAgent } from './agent'
import { registerAws } from './aws'
import { registerFleet } from './fleet'
import { registerHistory } from './history'
import { registerServe } from './serve'
import { registerSimulate } from './simulate'
import { registerWorkloads } from './workloads'
import { errorText } from '../../shared/errors'

export function buildProgram(): Command {
  const program = new Command('synkti')
    .description(
      'Run GPU workloads on cloud spot instances: fleet engine, node agent, daemon and what-if simulator'
    )
    .version(process.env.SYNKTI_VERSION ?? '0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
  registerSimulate(program)
  registerAgent(program)
  registerServe(program)
  registerFleet(program)
  registerHistory(program)
  registerWorkloads(program)
  registerAws(program)
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeErr: () => {} })
    command.commands.forEach(quiet)
  }
  program.commands.forEach(quiet)
  return program
}

/** Runs the CLI; resolves to the exit status: 0 ok, 2 bad input, 1 anything unexpected. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      )
        return 0
      // commander's own message is already one clear line ("error: unknown option '--foo'")
      process.stderr.write(`synkti: ${error.message.replace(/^error: /, '')}\n`)
      return 2
    }
    if (error instanceof UsageError) {
      process.stderr.write(`synkti: ${error.message}\n`)
      return 2
    }
    process.stderr.write(`synkti: unexpected error: ${errorText(error)}\n`)
    if (process.env.SYNKTI_DEBUG) console.error(error)
    return 1
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}
