// The boot script every AWS launch gets (user launches, spares, replacements, jobs). cloud-init runs it
// as root, so every value in it is validated here and then shell-quoted by construction: the script
// is assembled from fixed text and `shellQuote`d values only, never a heredoc or a pasted string. The
// agent's systemd unit holds no free value at all (paths and the image are checked to plain characters).

import { DEFAULT_VLLM_IMAGE, SERVICE_DEFAULTS } from '../../shared/workload'
import { AGENT_CONFIG_FILES as FILES } from '../agent/agent'

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

const BUNDLE = 'synkti-agent.mjs'
const UNIT = 'synkti-agent.service'

/** the agent's systemd unit: fixed text and validated paths and image only (no value needs quoting) */
function agentUnit(image: string, installDir: string, configDir: string): string[] {
  const name = 'synkti-agent'
  return [
    '[Unit]',
    'Description=Synkti node agent (IMDS watch, drain, reports, endpoint)',
    'After=docker.service network-online.target',
    'Requires=docker.service',
    '',
    '[Service]',
    `ExecStartPre=-/usr/bin/docker rm -f ${name}`,
    // host network: IMDS (hop limit 2) and the local vLLM; credentials are the instance role's
    `ExecStart=/usr/bin/docker run --rm --init --name ${name} --network host -v ${installDir}:/opt/synkti:ro -v ${configDir}:/etc/synkti:ro ${image} node /opt/synkti/${BUNDLE} --config-dir /etc/synkti`,
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
    const unit = agentUnit(
      checkedImage(a.nodeImage ?? DEFAULT_NODE_IMAGE),
      installRaw,
      configDirRaw
    )
    lines.push(
      `mkdir -p ${install}`,
      `curl -fsSL --retry 5 --max-time 300 -o ${bundle} ${shellQuote(checkedUrlOf('the agent bundle URL', a.bundleUrl))}`,
      `printf '%s  %s\\n' ${shellQuote(checkedSha256(a.sha256))} ${bundle} > ${bundle}.sha256`,
      `sha256sum -c ${bundle}.sha256`,
      `printf '%s\\n' ${shellQuote(checkedUrlOf('the reports queue URL', a.reportsQueueUrl))} > ${configDir}/${FILES.reportsQueueUrl}`,
      `printf '%s\\n' ${shellQuote(address)} > ${configDir}/${FILES.endpointAddress}`,
      ...(o.model ? [`printf '%s\\n' ${shellQuote(port)} > ${configDir}/${FILES.servePort}`] : []),
      `printf '%s\\n' ${unit.map(shellQuote).join(' ')} > ${unitDir}/${UNIT}`
    )
    startAgent = ['systemctl daemon-reload', `systemctl enable --now ${UNIT}`]
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
    lines.push(
      `docker run -d --restart unless-stopped --gpus all${tokenEnv} -p ${p}:${p} --name vllm ${image} --model ${model} --host 0.0.0.0 --port ${p}${args.length ? ' ' + args.join(' ') : ''}`
    )
  }
  lines.push(...startAgent)
  return lines.join('\n') + '\n'
}
