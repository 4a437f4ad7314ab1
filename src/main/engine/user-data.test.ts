import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_VLLM_IMAGE } from '../../shared/workload'
import { createHash } from 'node:crypto'
import { DEFAULT_NODE_IMAGE, UserDataError, agentUserData, shellQuote } from './user-data'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** each stub appends its name and argv, NUL-separated, then \x01, to calls.log */
const STUBBED = ['docker', 'curl', 'systemctl', 'apt-get', 'npm', 'tee', 'sha256sum', 'aws']

/** what the stubbed curl "downloads" to its -o file */
const BUNDLE = 'console.log("synkti agent bundle")\n'
const BUNDLE_SHA = createHash('sha256').update(BUNDLE).digest('hex')
const HF_SECRET = 'hf_secret_value_42'

/** extra behaviour after the record: curl writes the bundle, sha256sum really checks, aws answers */
const BEHAVIOUR: Record<string, string> = {
  curl: `out=; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done; printf '%s' ${shellQuote(BUNDLE)} > "$out"\n`,
  sha256sum: 'exec /usr/bin/sha256sum "$@"\n',
  aws: `printf '%s\\n' ${shellQuote(HF_SECRET)}\n`,
  tee: 'cat >/dev/null\n'
}

function sandbox(): {
  dir: string
  bin: string
  log: string
  run: (script: string) => void
  /** HF_TOKEN as docker saw it in its environment, per call */
  dockerEnv: () => string
} {
  const dir = mkdtempSync(join(tmpdir(), 'synkti-userdata-'))
  dirs.push(dir)
  const bin = join(dir, 'bin')
  const log = join(dir, 'calls.log')
  execFileSync('mkdir', ['-p', bin])
  for (const name of STUBBED) {
    const path = join(bin, name)
    // tee runs beside the script (process substitution), so it records into its own file
    const target = shellQuote(name === 'tee' ? `${log}.tee` : log)
    const env =
      name === 'docker' ? `printf '%s\\n' "\${HF_TOKEN-}" >> ${shellQuote(log + '.env')}\n` : ''
    writeFileSync(
      path,
      `#!/bin/bash\n{ printf '%s\\0' ${name} "$@"; printf '\\1'; } >> ${target}\n` +
        env +
        (BEHAVIOUR[name] ?? '')
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
  const dockerEnv = (): string =>
    existsSync(log + '.env') ? readFileSync(log + '.env', 'utf8') : ''
  return { dir, bin, log, run, dockerEnv }
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

describe('agentUserData with the agent install', () => {
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/synkti-lab-reports.fifo'
  const URL_ =
    'https://synkti-123456789012-us-east-1.s3.amazonaws.com/agent/a.mjs?X-Amz-Signature=ab'

  function install(s: ReturnType<typeof sandbox>, extra: Record<string, unknown> = {}) {
    return {
      bundleUrl: URL_,
      sha256: BUNDLE_SHA,
      reportsQueueUrl: QUEUE,
      installDir: join(s.dir, 'opt'),
      unitDir: join(s.dir, 'units'),
      ...extra
    }
  }

  it('fetches the bundle, verifies it, reads the token from SSM, starts vLLM and then the agent unit: the exact commands', () => {
    const s = sandbox()
    execFileSync('mkdir', ['-p', join(s.dir, 'units')])
    const etc = join(s.dir, 'etc')
    const opt = join(s.dir, 'opt')
    const script = agentUserData({
      model: 'org/gated-7b',
      port: 8001,
      agent: install(s),
      hfTokenParameter: '/synkti/lab/hf-token',
      configDir: etc,
      logFile: join(s.dir, 'boot.log')
    })
    s.run(script)
    const bundle = join(opt, 'synkti-agent.mjs')
    expect(calls(s.log)).toEqual([
      ['curl', '-fsSL', '--retry', '5', '--max-time', '300', '-o', bundle, URL_],
      ['sha256sum', '-c', `${bundle}.sha256`],
      [
        'aws',
        'ssm',
        'get-parameter',
        '--name',
        '/synkti/lab/hf-token',
        '--with-decryption',
        '--query',
        'Parameter.Value',
        '--output',
        'text'
      ],
      [
        'docker',
        'run',
        '-d',
        '--restart',
        'unless-stopped',
        '--gpus',
        'all',
        '-e',
        'HF_TOKEN',
        '-p',
        '8001:8001',
        '--name',
        'vllm',
        DEFAULT_VLLM_IMAGE,
        '--model',
        'org/gated-7b',
        '--host',
        '0.0.0.0',
        '--port',
        '8001'
      ],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'synkti-agent.service']
    ])
    // the secret reached vLLM's environment only: not the script, not a command line
    expect(s.dockerEnv()).toBe(`${HF_SECRET}\n`)
    expect(script).not.toContain(HF_SECRET)
    expect(readFileSync(bundle, 'utf8')).toBe(BUNDLE)
    expect(readFileSync(join(etc, 'reports-queue-url'), 'utf8')).toBe(QUEUE + '\n')
    expect(readFileSync(join(etc, 'model-port'), 'utf8')).toBe('8001\n')
    expect(readFileSync(join(etc, 'endpoint-address'), 'utf8')).toBe('public\n')
    const unit = readFileSync(join(s.dir, 'units', 'synkti-agent.service'), 'utf8')
    expect(unit).toContain(
      `ExecStart=/usr/bin/docker run --rm --init --name synkti-agent --network host -v ${opt}:/opt/synkti:ro -v ${etc}:/etc/synkti:ro ${DEFAULT_NODE_IMAGE} node /opt/synkti/synkti-agent.mjs --config-dir /etc/synkti\n`
    )
    expect(unit).toContain('KillSignal=SIGTERM\n')
    expect(script).not.toMatch(/npm install|synkti@|TOKEN=[^$]|<</i)
  })

  it('stops the boot at a checksum mismatch: no model server, no agent', () => {
    const s = sandbox()
    execFileSync('mkdir', ['-p', join(s.dir, 'units')])
    const script = agentUserData({
      model: 'org/model-7b',
      agent: install(s, { sha256: 'f'.repeat(64) }),
      configDir: join(s.dir, 'etc'),
      logFile: join(s.dir, 'boot.log')
    })
    expect(() => s.run(script)).toThrow()
    expect(calls(s.log).map((c) => c[0])).toEqual(['curl', 'sha256sum'])
    expect(existsSync(join(s.dir, 'units', 'synkti-agent.service'))).toBe(false)
  })

  it('passes hostile queue and bundle URLs as plain data and refuses values the unit or SSM could misread', () => {
    const s = sandbox()
    execFileSync('mkdir', ['-p', join(s.dir, 'units')])
    const pwned = join(s.dir, 'pwned')
    const queue = `https://sqs.example/q?$(touch\${IFS}${pwned})\`touch\${IFS}${pwned}\`'"`
    const bundleUrl = `https://b.example/a.mjs?x=$(touch\${IFS}${pwned})&y='"\`id\``
    s.run(
      agentUserData({
        agent: install(s, { reportsQueueUrl: queue, bundleUrl }),
        configDir: join(s.dir, 'etc'),
        logFile: join(s.dir, 'boot.log')
      })
    )
    expect(existsSync(pwned)).toBe(false)
    expect(calls(s.log)[0].at(-1)).toBe(bundleUrl)
    expect(readFileSync(join(s.dir, 'etc', 'reports-queue-url'), 'utf8')).toBe(queue + '\n')
    const base = { agent: install(s) }
    expect(() => agentUserData({ ...base, agent: install(s, { sha256: 'abc' }) })).toThrow(
      'sha256 must be 64 lowercase hex digits'
    )
    expect(() => agentUserData({ ...base, hfTokenParameter: '/x $(id)' })).toThrow(
      'is not an SSM parameter name'
    )
    expect(() => agentUserData({ ...base, configDir: '/etc/syn kti' })).toThrow(
      'must be an absolute path'
    )
    expect(() =>
      agentUserData({ ...base, agent: install(s, { nodeImage: 'node:22 --privileged' }) })
    ).toThrow('is not a container image reference')
    expect(() =>
      agentUserData({ ...base, agent: install(s, { bundleUrl: 'file:///etc/shadow' }) })
    ).toThrow('the agent bundle URL must be http(s)')
  })
})
