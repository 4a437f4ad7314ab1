// Input limits of the command line: trace paths, --workers, and where serve takes its token from.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { main } from './index'
import { resolveToken } from './serve'

async function run(
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const stdout: string[] = []
  const stderr: string[] = []
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true))
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true))
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  const started = performance.now()
  try {
    const code = await main(args)
    return {
      code,
      stdout: stdout.join(''),
      stderr: stderr.join(''),
      ms: performance.now() - started
    }
  } finally {
    out.mockRestore()
    err.mockRestore()
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function expectUsageError(r: { code: number; stderr: string }, mention: string | RegExp): void {
  expect(r.code).toBe(2)
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(mention)
}

const dir = mkdtempSync(join(tmpdir(), 'synkti-cli-limits-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('synkti simulate --trace: regular trace files only, refused at once', () => {
  it('refuses /dev/zero, a FIFO and /etc/passwd in well under a second, without their bytes', async () => {
    const fifo = join(dir, 'pipe.json')
    execFileSync('mkfifo', [fifo])
    for (const [path, problem] of [
      ['/dev/zero', 'is a character device'],
      [fifo, 'is a FIFO'],
      ['/etc/passwd', 'is not a trace file']
    ]) {
      const r = await run(['simulate', '--trace', path])
      expectUsageError(r, `synkti: ${path}: ${problem}`)
      expect(r.stderr).not.toMatch(/root:/)
      expect(r.ms).toBeLessThan(3000)
    }
  })

  it('bounds --workers', async () => {
    expectUsageError(
      await run(['simulate', '--workers', '100000']),
      'synkti: --workers must be at most 64, got "100000"'
    )
  })
})

describe('synkti serve: the token from a flag, a file or SYNKTI_TOKEN', () => {
  const tokenFile = join(dir, 'token')
  writeFileSync(tokenFile, 'file-token-0123456789abcdef\n')

  it('resolves --token, then --token-file, then SYNKTI_TOKEN', () => {
    const env = { SYNKTI_TOKEN: 'env-token-0123456789abcdef' }
    expect(resolveToken({ token: 'flag-token-0123456789abcdef' }, env)).toBe(
      'flag-token-0123456789abcdef'
    )
    expect(resolveToken({ tokenFile }, env)).toBe('file-token-0123456789abcdef')
    expect(resolveToken({}, env)).toBe('env-token-0123456789abcdef')
    expect(resolveToken({}, {})).toBeUndefined()
  })

  it('refuses both flags, a missing, oversized or non-regular file, a short or spaced token', async () => {
    expectUsageError(
      await run(['serve', '--token', 'x'.repeat(20), '--token-file', tokenFile]),
      /not both/
    )
    expectUsageError(
      await run(['serve', '--token-file', join(dir, 'none')]),
      /--token-file: cannot read .*ENOENT/
    )
    expectUsageError(await run(['serve', '--token-file', '/dev/zero']), /is not a regular file/)
    const big = join(dir, 'big-token')
    writeFileSync(big, 'x'.repeat(5000))
    expectUsageError(await run(['serve', '--token-file', big]), /larger than 4096 bytes/)
    const short = join(dir, 'short-token')
    writeFileSync(short, 'abc\n')
    expectUsageError(
      await run(['serve', '--token-file', short]),
      /the token in --token-file .* must be at least 16/
    )
    expectUsageError(
      await run(['serve'], { SYNKTI_TOKEN: 'short' }),
      'SYNKTI_TOKEN must be at least 16 characters'
    )
    expectUsageError(
      await run(['serve', '--token', 'has spaces in it 0123']),
      /printable ASCII without spaces/
    )
  })

  it('serves with the token from SYNKTI_TOKEN and prints an IPv6 URL in brackets', async () => {
    const r = await run(
      [
        'serve',
        '--host',
        '::1',
        '--port',
        '0',
        '--no-demo',
        '--exit-after',
        '0.2',
        '--data-dir',
        join(dir, 'data')
      ],
      { SYNKTI_TOKEN: 'env-token-0123456789abcdef' }
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /^Synkti cockpit \(sandbox\): http:\/\/\[::1\]:\d+\/#token=env-token-0123456789abcdef\n/
    )
  })
})
