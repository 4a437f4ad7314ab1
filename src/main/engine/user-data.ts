// The boot script every AWS launch gets (user launches, spares, replacements, jobs). cloud-init runs it
// as root, so every value in it is validated here and then shell-quoted by construction: the script
// is assembled from fixed text and `shellQuote`d values only, never a heredoc or a pasted string.

import { DEFAULT_VLLM_IMAGE, SERVICE_DEFAULTS } from '../../shared/workload'

export interface AgentUserDataOptions {
  /** where the node agent reports; http(s) only */
  cockpitUrl: string
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
  checked('the cockpit URL', value)
  let url: URL
  try {
    url = new URL(value)
  } catch (error) {
    throw new UserDataError(`user data: the cockpit URL is not a URL: ${String(error)}`, {
      cause: error
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UserDataError(`user data: the cockpit URL must be http(s), got ${url.protocol}`)
  if (/\s/.test(value)) throw new UserDataError('user data: the cockpit URL contains whitespace')
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

/**
 * Boot script for a launched GPU instance. Assumes an AMI with Docker and the NVIDIA container toolkit
 * (the AWS Deep Learning AMI). Starts the pinned vLLM image when a model is given and leaves the
 * cockpit URL for the node agent.
 *
 * No secret is written here: user data is readable by anything on the instance that can reach the
 * metadata service. The node agent is NOT installed yet: it needs a published, checksum-pinned bundle
 * and a credential of its own (the instance role) over the agent channel of issue 9 step 3; until then
 * an operator installs it themselves, and the cockpit's API token never leaves the cockpit.
 */
export function agentUserData(o: AgentUserDataOptions): string {
  const cockpitUrl = shellQuote(checkedUrl(o.cockpitUrl))
  const configDir = shellQuote(checked('the config directory', o.configDir ?? '/etc/synkti'))
  const logFile = shellQuote(checked('the log file', o.logFile ?? '/var/log/synkti-user-data.log'))
  const lines = [
    '#!/bin/bash',
    'set -euo pipefail',
    `exec > >(tee -a ${logFile}) 2>&1`,
    `mkdir -p ${configDir}`,
    `printf '%s\\n' ${cockpitUrl} > ${configDir}/cockpit-url`
  ]
  if (o.model) {
    const model = shellQuote(checked('the model', o.model))
    const image = shellQuote(checkedImage(o.vllmImage ?? DEFAULT_VLLM_IMAGE))
    const port = shellQuote(checkedPort(o.port ?? SERVICE_DEFAULTS.port))
    const args = (o.vllmArgs ?? []).map((a) => shellQuote(checked('a vLLM argument', a, true)))
    lines.push(
      `docker run -d --restart unless-stopped --gpus all -p ${port}:${port} --name vllm ${image} --model ${model} --host 0.0.0.0 --port ${port}${args.length ? ' ' + args.join(' ') : ''}`
    )
  }
  lines.push(
    '# node agent: not installed here. It waits for a checksum-pinned agent bundle and the agent channel',
    '# (issue 9 step 3); never install it from a registry name Synkti has not published.'
  )
  return lines.join('\n') + '\n'
}
