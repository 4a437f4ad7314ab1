// The boot script every AWS launch gets (user launches, spares, replacements, jobs). cloud-init runs it
// as root, so every value in it is validated here and then shell-quoted by construction: the script
// is assembled from fixed text and `shellQuote`d values only, never a heredoc or a pasted string. The
// agent's systemd unit holds no free value at all (paths and the image are checked to plain characters).

import { DEFAULT_JOB_IMAGE, DEFAULT_VLLM_IMAGE, SERVICE_DEFAULTS } from '../../shared/workload'
import { AGENT_CONFIG_FILES as FILES, AGENT_JOB_STATE_DIR, JOB_STATE_FILES } from '../agent/agent'

/** How the boot script installs the node agent: the cockpit's own bundle, checksum-verified. */
export interface AgentInstall {
  /** presigned S3 URL of the bundle the cockpit uploaded (https, or http for an emulator) */
  bundleUrl: string
  /** hex sha256 of the bundle; a mismatch stops the boot before anything runs */
  sha256: string
  /** the fleet's SQS reports queue (not a secret) */
  reportsQueueUrl: string
  /** which address the agent publishes as synkti:endpoint (default public) */
  endpointAddress?: 'public' | 'private'
  /** pinned Node image the agent runs in (default DEFAULT_NODE_IMAGE) */
  nodeImage?: string
  /** where the bundle is kept (default /opt/synkti) */
  installDir?: string
  /** where the systemd unit goes (default /etc/systemd/system) */
  unitDir?: string
}

/** The Node the agent bundle is built for (engines: node >= 22); give a digest (`@sha256:`) to pin it exactly. */
export const DEFAULT_NODE_IMAGE = 'node:22-bookworm-slim'

/**
 * A deadline job's command, run on the instance under systemd (see jobParts). Needs the agent: it
 * reports the exit status and turns a spot notice into the final checkpoint sync.
 */
export interface JobBoot {
  /** argv, run in the image as given (no shell) */
  command: readonly string[]
  /** default DEFAULT_JOB_IMAGE */
  image?: string
  /** passed to the job's container as `-e KEY=VALUE` (not secret: user data is readable on the instance) */
  env?: Readonly<Record<string, string>>
  /** SSM SecureString parameter handed to the job's container as HF_TOKEN */
  hfTokenParameter?: string
  /** the job's checkpoint directory (inside its container) kept in S3 */
  checkpoint?: {
    dir: string
    /** periodic sync to S3 */
    everyMinutes: number
    /** s3://bucket/checkpoints/<fleet>/<workload>/ */
    s3Uri: string
  }
  /** host directory of the job's values, checkpoint and exit status (default /var/lib/synkti) */
  stateDir?: string
}

export interface AgentUserDataOptions {
  /** where a node agent reports over HTTP (a cockpit the instances can reach); http(s) only */
  cockpitUrl?: string
  /** install and start the node agent from the cockpit's bundle */
  agent?: AgentInstall
  /**
   * SSM parameter (SecureString) holding a Hugging Face token for gated models: its name only is in
   * the script; the instance reads the value with its own role and hands it to vLLM's environment.
   */
  hfTokenParameter?: string
  /** Hugging Face model id vLLM serves; no model: no model server is started */
  model?: string
  /** pinned vLLM image (default DEFAULT_VLLM_IMAGE) */
  vllmImage?: string
  /** port vLLM listens on (default 8000) */
  port?: number
  /** extra vLLM arguments, passed one by one */
  vllmArgs?: readonly string[]
  /** vLLM's environment, as `-e KEY=VALUE` (values are not secret: user data is readable on the instance) */
  env?: Readonly<Record<string, string>>
  /** run a deadline job's command (needs `agent`) */
  job?: JobBoot
  /** where the cockpit URL is written for the agent (default /etc/synkti) */
  configDir?: string
  /** boot log (default /var/log/synkti-user-data.log) */
  logFile?: string
}

export class UserDataError extends Error {
  override readonly name = 'UserDataError'
}

/** One shell word: single quotes, each embedded quote closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

const MAX_VALUE = 4096
// bash cannot carry NUL; other control characters in a URL, image or model mean a pasted mistake
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/

function checked(what: string, value: string, allowNewlines = false): string {
  if (value.length === 0 || value.length > MAX_VALUE)
    throw new UserDataError(`user data: ${what} must be 1 to ${MAX_VALUE} characters`)
  if ((allowNewlines ? NUL : CONTROL).test(value))
    throw new UserDataError(`user data: ${what} contains a control character`)
  return value
}

function checkedUrl(value: string): string {
  return checkedUrlOf('the cockpit URL', value)
}

function checkedSha256(value: string): string {
  if (!/^[a-f0-9]{64}$/.test(value))
    throw new UserDataError('user data: the agent bundle sha256 must be 64 lowercase hex digits')
  return value
}

/** SSM parameter names: letters, digits and . _ - / (AWS's own rule), at most 2048 characters */
function checkedParameter(value: string): string {
  if (!/^[A-Za-z0-9_.\-/]{1,2048}$/.test(value))
    throw new UserDataError(`user data: ${JSON.stringify(value)} is not an SSM parameter name`)
  return value
}

function checkedUrlOf(what: string, value: string): string {
  checked(what, value)
  let url: URL
  try {
    url = new URL(value)
  } catch (error) {
    throw new UserDataError(`user data: ${what} is not a URL: ${String(error)}`, { cause: error })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UserDataError(`user data: ${what} must be http(s), got ${url.protocol}`)
  if (/\s/.test(value)) throw new UserDataError(`user data: ${what} contains whitespace`)
  return value
}

/** docker's reference grammar, loosely: registry/name[:tag][@digest] */
const IMAGE = /^[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9._-]+)?(?:@sha256:[a-f0-9]{64})?$/

function checkedImage(value: string): string {
  if (!IMAGE.test(value) || value.length > 255)
    throw new UserDataError(
      `user data: ${JSON.stringify(value)} is not a container image reference`
    )
  return value
}

function checkedPort(value: number): string {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new UserDataError(`user data: port must be a whole number from 1 to 65535, got ${value}`)
  return String(value)
}

/** a directory named in the systemd unit too: plain path characters only (systemd has its own quoting) */
function checkedDir(what: string, value: string): string {
  if (!/^\/[A-Za-z0-9._/-]{0,1023}$/.test(value) || value.includes('..'))
    throw new UserDataError(
      `user data: ${what} must be an absolute path of letters, digits and . _ - /`
    )
  return value.replace(/\/+$/, '') || '/'
}

/** `-e KEY=VALUE` pairs: keys as the workload schema allows them, values without NUL */
function checkedEnv(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(key))
      throw new UserDataError(
        `user data: ${JSON.stringify(key)} is not an environment variable name`
      )
    return `${key}=${checked(`the value of ${key}`, value, true)}`
  })
}

/** the job's prefix in the fleet's bucket: s3://bucket/key/ with plain key characters */
function checkedS3Uri(value: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9._/-]{0,1000}\/$/.test(value))
    throw new UserDataError(
      `user data: ${JSON.stringify(value)} is not an S3 prefix like s3://bucket/checkpoints/fleet/job/`
    )
  return value
}

/** the directory the job's container sees: docker's -v splits at ':' (and --mount at ','), so neither */
function checkedContainerDir(value: string): string {
  checked('the checkpoint directory', value)
  if (!value.startsWith('/') || /[:,]/.test(value) || /(^|\/)\.\.(\/|$)/.test(value))
    throw new UserDataError(
      'user data: the checkpoint directory must be an absolute path without .., : or ,'
    )
  return value
}

const BUNDLE = 'synkti-agent.mjs'
const UNIT = 'synkti-agent.service'

/** the agent's systemd unit: fixed text and validated paths and image only (no value needs quoting) */
function agentUnit(
  image: string,
  installDir: string,
  configDir: string,
  stateDir?: string
): string[] {
  const name = 'synkti-agent'
  // a job's state directory: the agent reads the exit status there and drops the notice file
  const state = stateDir ? ` -v ${stateDir}:${AGENT_JOB_STATE_DIR}` : ''
  return [
    '[Unit]',
    'Description=Synkti node agent (IMDS watch, drain, reports, endpoint)',
    'After=docker.service network-online.target',
    'Requires=docker.service',
    '',
    '[Service]',
    `ExecStartPre=-/usr/bin/docker rm -f ${name}`,
    // host network: IMDS (hop limit 2) and the local vLLM; credentials are the instance role's
    `ExecStart=/usr/bin/docker run --rm --init --name ${name} --network host -v ${installDir}:/opt/synkti:ro -v ${configDir}:/etc/synkti:ro${state} ${image} node /opt/synkti/${BUNDLE} --config-dir /etc/synkti`,
    `ExecStop=/usr/bin/docker stop -t 150 ${name}`,
    'KillSignal=SIGTERM',
    'TimeoutStopSec=160',
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target'
  ]
}

/** seconds the job gets after SIGTERM at a spot notice, leaving the rest of the 120 s for the upload */
export const JOB_NOTICE_STOP_SECONDS = 45
export const JOB_UNITS = {
  job: 'synkti-job.service',
  syncService: 'synkti-checkpoint-sync.service',
  syncTimer: 'synkti-checkpoint-sync.timer',
  noticePath: 'synkti-job-notice.path',
  noticeService: 'synkti-job-notice.service'
} as const
export const JOB_SCRIPTS = {
  run: 'synkti-job-run',
  sync: 'synkti-checkpoint-sync',
  notice: 'synkti-job-notice'
} as const

/**
 * The job's runner: restore the checkpoint, run the command in its container, save the checkpoint,
 * write the exit status (`<code>\n<phase>\n`, phase restore | secret | run | save) for the agent.
 * Fixed text: every value of the job is read from a NUL-terminated file in <state>/job, so no value
 * is ever parsed by a shell or by systemd.
 */
function runnerScript(state: string, bin: string): string[] {
  const exit = `"$state/${JOB_STATE_FILES.exit}"`
  return [
    '#!/bin/bash',
    '# Synkti job runner, written by the boot script. No value of the job is in this text: each is',
    '# read from a NUL-terminated file in $state/job and passed to docker as one argument.',
    'set -uo pipefail',
    `state=${shellQuote(state)}`,
    `bin=${shellQuote(bin)}`,
    'job="$state/job"',
    `finish() { printf '%s\\n%s\\n' "$1" "$2" > ${exit}.tmp && mv -f ${exit}.tmp ${exit}; exit 0; }`,
    'if [ -e "$job/checkpoint-uri" ]; then',
    `  "$bin/${JOB_SCRIPTS.sync}" restore || finish "$?" restore`,
    'fi',
    `IFS= read -r -d '' image < "$job/image"`,
    `mapfile -d '' -t cmd < "$job/command"`,
    'args=(--rm --name synkti-job --gpus all)',
    'if [ -e "$job/env" ]; then',
    `  mapfile -d '' -t pairs < "$job/env"`,
    '  for pair in "${pairs[@]}"; do args+=(-e "$pair"); done',
    'fi',
    'if [ -e "$job/checkpoint-dir" ]; then',
    `  IFS= read -r -d '' dir < "$job/checkpoint-dir"`,
    '  args+=(-v "$state/checkpoint:$dir")',
    'fi',
    'if [ -e "$job/hf-token-parameter" ]; then',
    `  IFS= read -r -d '' parameter < "$job/hf-token-parameter"`,
    "  # the value goes into the container's environment, never onto a command line",
    '  HF_TOKEN=$(aws ssm get-parameter --name "$parameter" --with-decryption --query Parameter.Value --output text) || finish "$?" secret',
    '  export HF_TOKEN',
    '  args+=(-e HF_TOKEN)',
    'fi',
    'docker rm -f synkti-job > /dev/null 2>&1',
    'docker run "${args[@]}" "$image" "${cmd[@]}"',
    'code=$?',
    'if [ -e "$job/checkpoint-uri" ]; then',
    `  "$bin/${JOB_SCRIPTS.sync}" save || finish "$?" save`,
    'fi',
    'finish "$code" run'
  ]
}

/** restore (S3 -> checkpoint directory) or save (back); one at a time (the timer, the notice, the end) */
function syncScript(state: string): string[] {
  return [
    '#!/bin/bash',
    "# Synkti checkpoint sync, written by the boot script: `restore` copies the job's S3 prefix into",
    '# the checkpoint directory, `save` (the default) copies the directory back. One at a time.',
    'set -euo pipefail',
    `state=${shellQuote(state)}`,
    `IFS= read -r -d '' uri < "$state/job/checkpoint-uri"`,
    'exec 9> "$state/checkpoint.lock"',
    'flock 9',
    'if [ "${1:-save}" = restore ]; then',
    '  aws s3 sync --only-show-errors "$uri" "$state/checkpoint"',
    'else',
    '  aws s3 sync --only-show-errors "$state/checkpoint" "$uri"',
    'fi'
  ]
}

/** at a spot notice (the agent wrote <state>/notice): SIGTERM the job, give it time, save the checkpoint */
function noticeScript(state: string, bin: string): string[] {
  return [
    '#!/bin/bash',
    '# Synkti spot notice, written by the boot script: the job gets SIGTERM and',
    `# ${JOB_NOTICE_STOP_SECONDS} s to write its checkpoint, then the checkpoint goes to S3 within the notice.`,
    'set -uo pipefail',
    `state=${shellQuote(state)}`,
    `bin=${shellQuote(bin)}`,
    `docker stop -t ${JOB_NOTICE_STOP_SECONDS} synkti-job`,
    `if [ -e "$state/job/checkpoint-uri" ]; then "$bin/${JOB_SCRIPTS.sync}" save; fi`
  ]
}

/** the job's systemd units: fixed text and validated plain paths only */
function jobUnits(state: string, bin: string, everySeconds?: number): Record<string, string[]> {
  const units: Record<string, string[]> = {
    [JOB_UNITS.job]: [
      '[Unit]',
      `Description=Synkti job (its command in its container; exit status in ${state}/${JOB_STATE_FILES.exit})`,
      'After=docker.service network-online.target',
      'Requires=docker.service',
      '',
      '[Service]',
      'Type=simple',
      `ExecStart=${bin}/${JOB_SCRIPTS.run}`,
      // a terminate (the job done, or moved) stops it as a notice does: SIGTERM, time, then the save
      `ExecStop=/usr/bin/docker stop -t ${JOB_NOTICE_STOP_SECONDS} synkti-job`,
      `TimeoutStopSec=${JOB_NOTICE_STOP_SECONDS + 60}`,
      'Restart=no'
    ],
    [JOB_UNITS.noticePath]: [
      '[Unit]',
      'Description=Synkti job: a spot notice from the agent',
      '',
      '[Path]',
      `PathExists=${state}/${JOB_STATE_FILES.notice}`,
      `Unit=${JOB_UNITS.noticeService}`,
      '',
      '[Install]',
      'WantedBy=multi-user.target'
    ],
    [JOB_UNITS.noticeService]: [
      '[Unit]',
      'Description=Synkti job: stop the job and save its checkpoint at a spot notice',
      '',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${bin}/${JOB_SCRIPTS.notice}`,
      'TimeoutStartSec=115'
    ]
  }
  if (everySeconds !== undefined) {
    units[JOB_UNITS.syncService] = [
      '[Unit]',
      'Description=Synkti job: copy the checkpoint directory to S3',
      '',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${bin}/${JOB_SCRIPTS.sync} save`
    ]
    units[JOB_UNITS.syncTimer] = [
      '[Unit]',
      'Description=Synkti job: the periodic checkpoint sync',
      '',
      '[Timer]',
      `OnActiveSec=${everySeconds}s`,
      `OnUnitActiveSec=${everySeconds}s`,
      'AccuracySec=1s',
      `Unit=${JOB_UNITS.syncService}`,
      '',
      '[Install]',
      'WantedBy=timers.target'
    ]
  }
  return units
}

/** one NUL-terminated value per argument: `printf '%s\0' 'a' 'b' > file` */
const nulValues = (values: readonly string[], file: string): string =>
  `printf '%s\\0' ${values.map(shellQuote).join(' ')} > ${file}`

/** the job's part of the boot script: its value files, scripts and units; then what starts them */
function jobParts(
  job: JobBoot,
  install: { bin: string; unitDir: string; configDir: string }
): { lines: string[]; start: string[]; stateDir: string } {
  const stateRaw = checkedDir('the job state directory', job.stateDir ?? '/var/lib/synkti')
  const state = shellQuote(stateRaw)
  if (job.command.length === 0) throw new UserDataError('user data: the job has no command')
  const command = job.command.map((part) => checked('a command argument', part, true))
  const image = checkedImage(job.image ?? DEFAULT_JOB_IMAGE)
  const env = checkedEnv(job.env)
  const lines = [
    `mkdir -p ${state}/job ${state}/checkpoint`,
    `rm -f ${state}/${JOB_STATE_FILES.exit} ${state}/${JOB_STATE_FILES.notice}`,
    nulValues([image], `${state}/job/image`),
    nulValues(command, `${state}/job/command`)
  ]
  if (env.length) lines.push(nulValues(env, `${state}/job/env`))
  if (job.hfTokenParameter)
    lines.push(
      nulValues([checkedParameter(job.hfTokenParameter)], `${state}/job/hf-token-parameter`)
    )
  let everySeconds: number | undefined
  if (job.checkpoint) {
    const c = job.checkpoint
    if (!Number.isFinite(c.everyMinutes) || c.everyMinutes <= 0 || c.everyMinutes > 1440)
      throw new UserDataError(
        'user data: the checkpoint interval must be above 0 and at most 1440 minutes'
      )
    everySeconds = Math.max(1, Math.round(c.everyMinutes * 60))
    lines.push(
      nulValues([checkedContainerDir(c.dir)], `${state}/job/checkpoint-dir`),
      nulValues([checkedS3Uri(c.s3Uri)], `${state}/job/checkpoint-uri`)
    )
  }
  const bin = shellQuote(install.bin)
  const scripts: [string, string[]][] = [
    [JOB_SCRIPTS.run, runnerScript(stateRaw, install.bin)],
    [JOB_SCRIPTS.sync, syncScript(stateRaw)],
    [JOB_SCRIPTS.notice, noticeScript(stateRaw, install.bin)]
  ]
  for (const [name, text] of scripts)
    lines.push(
      `printf '%s\\n' ${text.map(shellQuote).join(' ')} > ${bin}/${name}`,
      `chmod 755 ${bin}/${name}`
    )
  const unitDir = shellQuote(install.unitDir)
  for (const [name, text] of Object.entries(jobUnits(stateRaw, install.bin, everySeconds)))
    lines.push(`printf '%s\\n' ${text.map(shellQuote).join(' ')} > ${unitDir}/${name}`)
  lines.push(
    `printf '%s\\n' ${shellQuote(AGENT_JOB_STATE_DIR)} > ${install.configDir}/${FILES.jobStateDir}`
  )
  const start = [
    `systemctl enable --now ${JOB_UNITS.noticePath}`,
    ...(everySeconds !== undefined ? [`systemctl enable --now ${JOB_UNITS.syncTimer}`] : []),
    `systemctl start ${JOB_UNITS.job}`
  ]
  return { lines, start, stateDir: stateRaw }
}

/**
 * Boot script for a launched GPU instance. Assumes an AMI with Docker, the NVIDIA container toolkit
 * and the AWS CLI (the AWS Deep Learning AMI). In order: fetch the cockpit's agent bundle from its
 * presigned URL and verify its sha256 (a mismatch stops the boot: set -e, nothing after it runs);
 * read the Hugging Face token, when one is named, from SSM with the instance's own role; start the
 * pinned vLLM image; start the agent as a systemd unit in a pinned Node image. The agent reads its
 * instance id and region from instance metadata and its reports queue URL, model port and endpoint
 * address from one-value files in the config directory.
 *
 * No secret is written here: user data is readable by anything on the instance that can reach the
 * metadata service. The presigned URL only reads one content-addressed object and expires; the
 * cockpit's API token never leaves the cockpit.
 */
export function agentUserData(o: AgentUserDataOptions): string {
  const configDirRaw = checkedDir('the config directory', o.configDir ?? '/etc/synkti')
  const configDir = shellQuote(configDirRaw)
  const logFile = shellQuote(checked('the log file', o.logFile ?? '/var/log/synkti-user-data.log'))
  const lines = [
    '#!/bin/bash',
    'set -euo pipefail',
    `exec > >(tee -a ${logFile}) 2>&1`,
    `mkdir -p ${configDir}`
  ]
  if (o.cockpitUrl)
    lines.push(
      `printf '%s\\n' ${shellQuote(checkedUrl(o.cockpitUrl))} > ${configDir}/${FILES.cockpitUrl}`
    )
  const port = checkedPort(o.port ?? SERVICE_DEFAULTS.port)
  let startAgent: string[] = []
  if (o.agent) {
    const a = o.agent
    const installRaw = checkedDir('the agent directory', a.installDir ?? '/opt/synkti')
    const install = shellQuote(installRaw)
    const unitDir = shellQuote(checkedDir('the unit directory', a.unitDir ?? '/etc/systemd/system'))
    const bundle = `${install}/${BUNDLE}`
    const address = a.endpointAddress ?? 'public'
    if (address !== 'public' && address !== 'private')
      throw new UserDataError(`user data: the endpoint address must be public or private`)
    const job = o.job
      ? jobParts(o.job, {
          bin: installRaw,
          unitDir: checkedDir('the unit directory', a.unitDir ?? '/etc/systemd/system'),
          configDir
        })
      : undefined
    const unit = agentUnit(
      checkedImage(a.nodeImage ?? DEFAULT_NODE_IMAGE),
      installRaw,
      configDirRaw,
      job?.stateDir
    )
    lines.push(
      `mkdir -p ${install}`,
      `curl -fsSL --retry 5 --max-time 300 -o ${bundle} ${shellQuote(checkedUrlOf('the agent bundle URL', a.bundleUrl))}`,
      `printf '%s  %s\\n' ${shellQuote(checkedSha256(a.sha256))} ${bundle} > ${bundle}.sha256`,
      `sha256sum -c ${bundle}.sha256`,
      `printf '%s\\n' ${shellQuote(checkedUrlOf('the reports queue URL', a.reportsQueueUrl))} > ${configDir}/${FILES.reportsQueueUrl}`,
      `printf '%s\\n' ${shellQuote(address)} > ${configDir}/${FILES.endpointAddress}`,
      ...(o.model ? [`printf '%s\\n' ${shellQuote(port)} > ${configDir}/${FILES.servePort}`] : []),
      `printf '%s\\n' ${unit.map(shellQuote).join(' ')} > ${unitDir}/${UNIT}`,
      ...(job?.lines ?? [])
    )
    startAgent = [
      'systemctl daemon-reload',
      `systemctl enable --now ${UNIT}`,
      ...(job?.start ?? [])
    ]
  } else if (o.job) {
    throw new UserDataError(
      'user data: a job needs the node agent (it reports the exit status and the spot notice)'
    )
  }
  let tokenEnv = ''
  if (o.hfTokenParameter) {
    const name = shellQuote(checkedParameter(o.hfTokenParameter))
    lines.push(
      // the value goes into vLLM's environment, never onto a command line or into this script
      `HF_TOKEN=$(aws ssm get-parameter --name ${name} --with-decryption --query Parameter.Value --output text)`,
      'export HF_TOKEN'
    )
    tokenEnv = ' -e HF_TOKEN'
  }
  if (o.model) {
    const model = shellQuote(checked('the model', o.model))
    const image = shellQuote(checkedImage(o.vllmImage ?? DEFAULT_VLLM_IMAGE))
    const p = shellQuote(port)
    const args = (o.vllmArgs ?? []).map((a) => shellQuote(checked('a vLLM argument', a, true)))
    const env = checkedEnv(o.env).map((pair) => ` -e ${shellQuote(pair)}`)
    lines.push(
      `docker run -d --restart unless-stopped --gpus all${tokenEnv}${env.join('')} -p ${p}:${p} --name vllm ${image} --model ${model} --host 0.0.0.0 --port ${p}${args.length ? ' ' + args.join(' ') : ''}`
    )
  }
  lines.push(...startAgent)
  return lines.join('\n') + '\n'
}
