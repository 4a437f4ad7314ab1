import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_VLLM_IMAGE } from '../../shared/workload'
import { UserDataError, agentUserData, shellQuote } from './user-data'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** each stub appends its name and argv, NUL-separated, then \x01, to calls.log */
const STUBBED = ['docker', 'curl', 'systemctl', 'apt-get', 'npm', 'tee']

function sandbox(): { dir: string; bin: string; log: string; run: (script: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'synkti-userdata-'))
  dirs.push(dir)
  const bin = join(dir, 'bin')
  const log = join(dir, 'calls.log')
  execFileSync('mkdir', ['-p', bin])
  for (const name of STUBBED) {
    const path = join(bin, name)
    // tee runs beside the script (process substitution), so it records into its own file
    const target = shellQuote(name === 'tee' ? `${log}.tee` : log)
    writeFileSync(
      path,
      `#!/bin/bash\n{ printf '%s\\0' ${name} "$@"; printf '\\1'; } >> ${target}\n` +
        (name === 'tee' ? 'cat >/dev/null\n' : '')
    )
    chmodSync(path, 0o755)
  }
  const run = (script: string): void => {
    const file = join(dir, 'user-data.sh')
    writeFileSync(file, script)
    execFileSync('/bin/bash', [file], {
      cwd: dir,
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir },
      stdio: 'pipe'
    })
  }
  return { dir, bin, log, run }
}

function calls(log: string): string[][] {
  if (!existsSync(log)) return []
  return readFileSync(log, 'utf8')
    .split('\x01')
    .filter(Boolean)
    .map((record) => record.split('\0').slice(0, -1))
}

describe('shellQuote', () => {
  it('makes one shell word of anything without NUL', () => {
    expect(shellQuote('plain')).toBe("'plain'")
    expect(shellQuote("it's")).toBe("'it'\\''s'")
    for (const v of ["a'b", '$(id)', '`id`', '${IFS}', 'a\nb', "'", '', '\\', '"x"']) {
      const echoed = execFileSync('/bin/bash', ['-c', `printf '%s' ${shellQuote(v)}`]).toString()
      expect(echoed).toBe(v)
    }
  })
})

describe('agentUserData', () => {
  it('runs the pinned vLLM image with exactly the workload values, and no secret or registry install', () => {
    const s = sandbox()
    const script = agentUserData({
      cockpitUrl: 'http://10.0.0.5:7777',
      model: 'org/model-7b',
      configDir: join(s.dir, 'etc'),
      logFile: join(s.dir, 'boot.log')
    })
    s.run(script)
    expect(calls(`${s.log}.tee`)).toEqual([['tee', '-a', join(s.dir, 'boot.log')]])
    expect(calls(s.log)).toEqual([
      [
        'docker',
        'run',
        '-d',
        '--restart',
        'unless-stopped',
        '--gpus',
        'all',
        '-p',
        '8000:8000',
        '--name',
        'vllm',
        DEFAULT_VLLM_IMAGE,
        '--model',
        'org/model-7b',
        '--host',
        '0.0.0.0',
        '--port',
        '8000'
      ]
    ])
    expect(readFileSync(join(s.dir, 'etc', 'cockpit-url'), 'utf8')).toBe('http://10.0.0.5:7777\n')
    expect(script).not.toMatch(/npm install|synkti@|TOKEN|<</i)
  })

  it('passes hostile values through as plain data: no injection, the exact arguments', () => {
    const s = sandbox()
    const pwned = join(s.dir, 'pwned')
    const hostile = [
      `$(touch ${pwned})`,
      `\`touch ${pwned}\``,
      `'; touch ${pwned}; '`,
      `"; touch ${pwned}; "`,
      `x\ntouch ${pwned}`,
      `$(touch\${IFS}${pwned})`
    ]
    const cockpitUrl = `http://c:7777/$(touch\${IFS}${pwned})`
    s.run(
      agentUserData({
        cockpitUrl,
        model: `m$(touch ${pwned})\`touch ${pwned}\``,
        port: 8001,
        vllmImage: 'vllm/vllm-openai:v0.12.0',
        vllmArgs: hostile,
        configDir: join(s.dir, 'etc'),
        logFile: join(s.dir, 'boot.log')
      })
    )
    expect(existsSync(pwned)).toBe(false)
    const docker = calls(s.log).find((c) => c[0] === 'docker')!
    expect(docker.slice(-hostile.length)).toEqual(hostile)
    expect(docker).toContain(`m$(touch ${pwned})\`touch ${pwned}\``)
    expect(docker).toContain('8001:8001')
    expect(readFileSync(join(s.dir, 'etc', 'cockpit-url'), 'utf8')).toBe(cockpitUrl + '\n')
  })

  it('refuses values that are not what they claim before any script exists', () => {
    const base = { cockpitUrl: 'http://c:7777', model: 'm' }
    expect(() => agentUserData({ ...base, cockpitUrl: 'file:///etc/passwd' })).toThrow(
      'the cockpit URL must be http(s), got file:'
    )
    expect(() => agentUserData({ ...base, cockpitUrl: 'http://c:7777/a\nb' })).toThrow(
      UserDataError
    )
    expect(() => agentUserData({ ...base, vllmImage: 'vllm $(id)' })).toThrow(
      'is not a container image reference'
    )
    expect(() => agentUserData({ ...base, port: 70000 })).toThrow('port must be a whole number')
    expect(() => agentUserData({ ...base, model: 'a\nb' })).toThrow('contains a control character')
  })

  it('starts no model server without a model', () => {
    const s = sandbox()
    s.run(
      agentUserData({
        cockpitUrl: 'https://c.example',
        configDir: join(s.dir, 'etc'),
        logFile: join(s.dir, 'l')
      })
    )
    expect(calls(s.log)).toEqual([])
  })
})
