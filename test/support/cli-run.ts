// Runs the synkti CLI in-process and captures what it writes, for the command tests.
import { vi } from 'vitest'
import { main } from '../../src/main/cli/index'

export async function runCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = []
  const stderr: string[] = []
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true))
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true))
  try {
    return { code: await main(args), stdout: stdout.join(''), stderr: stderr.join('') }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}
