import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_JOB_IMAGE, DEFAULT_VLLM_IMAGE } from '../../shared/workload'
import { createHash } from 'node:crypto'
import {
  DEFAULT_NODE_IMAGE,
  JOB_NOTICE_STOP_SECONDS,
  UserDataError,
  agentUserData,
  shellQuote
} from './user-data'

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
  aws: `[ -e "$STUB_DIR/aws-fails" ] && exit 7; printf '%s\\n' ${shellQuote(HF_SECRET)}\n`,
  docker: `[ "$1" = run ] && [ -e "$STUB_DIR/docker-exit" ] && exit "$(cat "$STUB_DIR/docker-exit")"; exit 0\n`,
  tee: 'cat >/dev/null\n'
}

function sandbox(): {
  dir: string
  bin: string
  log: string
  run: (script: string) => void
  /** runs a script the boot script wrote, as systemd would (same stubs) */
  runFile: (file: string) => void
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
    runFile(file)
  }
  const runFile = (file: string): void => {
    execFileSync('/bin/bash', [file], {
      cwd: dir,
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, STUB_DIR: dir },
      stdio: 'pipe'
    })
  }
  const dockerEnv = (): string =>
    existsSync(log + '.env') ? readFileSync(log + '.env', 'utf8') : ''
  return { dir, bin, log, run, runFile, dockerEnv }
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

describe('agentUserData for a deadline job', () => {
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/synkti-lab-reports.fifo'
  const URL_ =
    'https://synkti-123456789012-us-east-1.s3.amazonaws.com/agent/a.mjs?X-Amz-Signature=ab'
  const S3 = 's3://synkti-123456789012-us-east-1/checkpoints/lab/finetune/'

  function boot(s: ReturnType<typeof sandbox>, job: Parameters<typeof agentUserData>[0]['job']) {
    for (const d of ['units', 'opt', 'state']) execFileSync('mkdir', ['-p', join(s.dir, d)])
    return agentUserData({
      agent: {
        bundleUrl: URL_,
        sha256: BUNDLE_SHA,
        reportsQueueUrl: QUEUE,
        installDir: join(s.dir, 'opt'),
        unitDir: join(s.dir, 'units')
      },
      job: job && { stateDir: join(s.dir, 'state'), ...job },
      configDir: join(s.dir, 'etc'),
      logFile: join(s.dir, 'boot.log')
    })
  }

  it('starts the agent and the job units; the runner restores, runs, saves and records the exit: hostile values stay data', () => {
    const s = sandbox()
    const pwned = join(s.dir, 'pwned')
    const command = [
      'python',
      `$(touch ${pwned})`,
      `\`touch ${pwned}\``,
      `'; touch ${pwned}; '`,
      `"; touch ${pwned}; "`,
      `x\ntouch ${pwned}`,
      `$(touch\${IFS}${pwned})`,
      '--resume=/ckpt'
    ]
    const dir = `/ckpt/$(touch ${pwned})/\`touch ${pwned}\`/'"; x \${IFS}`
    const env = { A: `$(touch ${pwned})`, B_2: `it's "quoted"\nand\${IFS}split` }
    const script = boot(s, {
      command,
      image: 'ghcr.io/acme/train:1.2',
      env,
      checkpoint: { dir, everyMinutes: 30, s3Uri: S3 }
    })
    s.run(script)
    expect(existsSync(pwned)).toBe(false)
    const opt = join(s.dir, 'opt')
    const state = join(s.dir, 'state')
    // the boot itself runs nothing of the job: it starts units
    expect(calls(s.log).slice(2)).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', 'synkti-agent.service'],
      ['systemctl', 'enable', '--now', 'synkti-job-notice.path'],
      ['systemctl', 'enable', '--now', 'synkti-checkpoint-sync.timer'],
      ['systemctl', 'start', 'synkti-job.service']
    ])
    // what systemd would run: the job's runner
    s.runFile(join(opt, 'synkti-job-run'))
    expect(existsSync(pwned)).toBe(false)
    expect(calls(s.log).slice(7)).toEqual([
      ['aws', 's3', 'sync', '--only-show-errors', S3, join(state, 'checkpoint')],
      ['docker', 'rm', '-f', 'synkti-job'],
      [
        'docker',
        'run',
        '--rm',
        '--name',
        'synkti-job',
        '--gpus',
        'all',
        '-e',
        `A=${env.A}`,
        '-e',
        `B_2=${env.B_2}`,
        '-v',
        `${join(state, 'checkpoint')}:${dir}`,
        'ghcr.io/acme/train:1.2',
        ...command
      ],
      ['aws', 's3', 'sync', '--only-show-errors', join(state, 'checkpoint'), S3]
    ])
    expect(readFileSync(join(state, 'job-exit'), 'utf8')).toBe('0\nrun\n')
    // the agent's container sees the state directory, and knows it is a job's instance
    const agentUnit = readFileSync(join(s.dir, 'units', 'synkti-agent.service'), 'utf8')
    expect(agentUnit).toContain(` -v ${state}:/var/lib/synkti `)
    expect(readFileSync(join(s.dir, 'etc', 'job-state-dir'), 'utf8')).toBe('/var/lib/synkti\n')
    const timer = readFileSync(join(s.dir, 'units', 'synkti-checkpoint-sync.timer'), 'utf8')
    expect(timer).toContain('OnUnitActiveSec=1800s\n')
    const notice = readFileSync(join(s.dir, 'units', 'synkti-job-notice.path'), 'utf8')
    expect(notice).toContain(`PathExists=${state}/notice\n`)
    // no value of the job in any unit or script: they read the values from files
    for (const file of ['synkti-job-run', 'synkti-checkpoint-sync', 'synkti-job-notice'])
      expect(readFileSync(join(opt, file), 'utf8')).not.toMatch(/touch|acme|finetune/)
    expect(readFileSync(join(s.dir, 'units', 'synkti-job.service'), 'utf8')).not.toMatch(
      /touch|acme/
    )
  })

  it('at a notice the job gets SIGTERM and its time, then the checkpoint is saved', () => {
    const s = sandbox()
    s.run(
      boot(s, { command: ['train'], checkpoint: { dir: '/ckpt', everyMinutes: 0.5, s3Uri: S3 } })
    )
    const before = calls(s.log).length
    s.runFile(join(s.dir, 'opt', 'synkti-job-notice'))
    expect(calls(s.log).slice(before)).toEqual([
      ['docker', 'stop', '-t', String(JOB_NOTICE_STOP_SECONDS), 'synkti-job'],
      ['aws', 's3', 'sync', '--only-show-errors', join(s.dir, 'state', 'checkpoint'), S3]
    ])
    expect(readFileSync(join(s.dir, 'units', 'synkti-checkpoint-sync.timer'), 'utf8')).toContain(
      'OnUnitActiveSec=30s\n'
    )
  })

  it('records a failing command with its code, and a failed restore as such (the command never runs)', () => {
    const s = sandbox()
    s.run(boot(s, { command: ['train'], hfTokenParameter: '/synkti/lab/hf' }))
    writeFileSync(join(s.dir, 'docker-exit'), '3')
    const before = calls(s.log).length
    s.runFile(join(s.dir, 'opt', 'synkti-job-run'))
    const state = join(s.dir, 'state')
    expect(readFileSync(join(state, 'job-exit'), 'utf8')).toBe('3\nrun\n')
    // no checkpoint: nothing to restore or save; the default image; the token by name, into its env
    expect(calls(s.log).slice(before)).toEqual([
      [
        'aws',
        'ssm',
        'get-parameter',
        '--name',
        '/synkti/lab/hf',
        '--with-decryption',
        '--query',
        'Parameter.Value',
        '--output',
        'text'
      ],
      ['docker', 'rm', '-f', 'synkti-job'],
      [
        'docker',
        'run',
        '--rm',
        '--name',
        'synkti-job',
        '--gpus',
        'all',
        '-e',
        'HF_TOKEN',
        DEFAULT_JOB_IMAGE,
        'train'
      ]
    ])
    expect(s.dockerEnv().split('\n')).toContain(HF_SECRET)

    const t = sandbox()
    t.run(
      boot(t, { command: ['train'], checkpoint: { dir: '/ckpt', everyMinutes: 30, s3Uri: S3 } })
    )
    writeFileSync(join(t.dir, 'aws-fails'), '')
    const start = calls(t.log).length
    t.runFile(join(t.dir, 'opt', 'synkti-job-run'))
    expect(readFileSync(join(t.dir, 'state', 'job-exit'), 'utf8')).toBe('7\nrestore\n')
    expect(
      calls(t.log)
        .slice(start)
        .map((c) => c.slice(0, 3))
    ).toEqual([['aws', 's3', 'sync']])
  })

  it('refuses what docker or S3 could misread, and a job without the agent', () => {
    const s = sandbox()
    const ok = { command: ['train'], checkpoint: { dir: '/ckpt', everyMinutes: 30, s3Uri: S3 } }
    expect(() => boot(s, { ...ok, checkpoint: { ...ok.checkpoint, dir: '/ckpt:/etc' } })).toThrow(
      'the checkpoint directory must be an absolute path without .., : or ,'
    )
    expect(() =>
      boot(s, { ...ok, checkpoint: { ...ok.checkpoint, s3Uri: 's3://b/x/$(id)/' } })
    ).toThrow('is not an S3 prefix')
    expect(() => boot(s, { ...ok, env: { 'A B': 'x' } })).toThrow(
      'is not an environment variable name'
    )
    expect(() => boot(s, { ...ok, image: 'x --privileged' })).toThrow(
      'is not a container image reference'
    )
    expect(() => boot(s, { ...ok, command: [] })).toThrow('the job has no command')
    expect(() => agentUserData({ job: ok })).toThrow('a job needs the node agent')
  })
})

describe('agentUserData passes the service env to vLLM', () => {
  it('as -e KEY=VALUE words, hostile values as data', () => {
    const s = sandbox()
    const pwned = join(s.dir, 'pwned')
    const env = { VLLM_LOGGING_LEVEL: 'DEBUG', X: `$(touch ${pwned})'"\`id\`\n` }
    s.run(
      agentUserData({
        model: 'org/m',
        env,
        configDir: join(s.dir, 'etc'),
        logFile: join(s.dir, 'boot.log')
      })
    )
    expect(existsSync(pwned)).toBe(false)
    const docker = calls(s.log)[0]
    expect(docker.slice(0, 11)).toEqual([
      'docker',
      'run',
      '-d',
      '--restart',
      'unless-stopped',
      '--gpus',
      'all',
      '-e',
      'VLLM_LOGGING_LEVEL=DEBUG',
      '-e',
      `X=${env.X}`
    ])
  })
})
