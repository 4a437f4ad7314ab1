// AWS SDK errors -> ProviderError with a one-line, actionable message. The SDK names service errors by
// their EC2 error code (err.name === 'UnauthorizedOperation'); credential chain failures are
// CredentialsProviderError / TokenProviderError, thrown before any request is sent.

import { ProviderError, isProviderError, oneLine, type ProviderErrorCode } from '../errors'

export interface AwsErrorContext {
  /** what was being attempted, e.g. "Listing instances in us-east-1" */
  what: string
  /** the IAM action of the failing call, e.g. 'ec2:RunInstances' */
  action: string
  /** profile in use (explicit option or AWS_PROFILE), for the credentials hint */
  profile?: string
}

const CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'MissingAuthenticationToken',
  'SignatureDoesNotMatch'
])
const UNAUTHORIZED_CODES = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException'
])
const THROTTLE_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException'
])
/** no room in this zone right now: another zone may have it */
const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'SpotMaxPriceTooLow'
])
/** what makes launch move on to the next zone: capacity, or the type not being offered in that zone */
export const ZONE_RETRY_CODES = new Set([...CAPACITY_CODES, 'Unsupported'])
/** account quotas: no zone will do better, but the other market (separate quota) may */
const QUOTA_CODES = new Set([
  'VcpuLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'InstanceLimitExceeded'
])
/** Node/SDK transport failures: AWS was never reached */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'TimeoutError'
])
const NOT_FOUND_CODES = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidSpotInstanceRequestID.NotFound'
])

/** the EC2 error code of an SDK error, or its class name for client-side errors */
export function awsErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined
  const e = err as { name?: unknown; Code?: unknown; code?: unknown }
  for (const v of [e.Code, e.name, e.code])
    if (typeof v === 'string' && v && v !== 'Error') return v
  return undefined
}

function awsMessage(err: unknown): string {
  const m = (err as { message?: unknown } | null)?.message
  return typeof m === 'string' ? oneLine(m) : String(err)
}

export function classifyAwsCode(code: string | undefined): ProviderErrorCode {
  if (!code) return 'unknown'
  if (code === 'DryRunOperation') return 'dry-run-ok'
  if (CREDENTIAL_CODES.has(code)) return 'credentials'
  if (UNAUTHORIZED_CODES.has(code)) return 'unauthorized'
  if (THROTTLE_CODES.has(code)) return 'throttled'
  if (CAPACITY_CODES.has(code) || QUOTA_CODES.has(code)) return 'capacity'
  if (NOT_FOUND_CODES.has(code)) return 'not-found'
  // InvalidParameterValue, InvalidParameterCombination, InvalidAMIID.*, InvalidSubnetID.*, ...
  if (code.startsWith('Invalid') || code === 'MissingParameter' || code === 'Unsupported')
    return 'invalid-parameter'
  return 'unknown'
}

export function credentialsHint(profile: string | undefined): string {
  return profile
    ? `AWS credentials not found for profile '${profile}': run \`aws sso login --profile ${profile}\` or set AWS_PROFILE`
    : 'AWS credentials not found (default credential chain): run `aws configure` or `aws sso login`, or set AWS_PROFILE'
}

const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException'])
const REJECTED_CODES = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch'
])

/** missing, expired and rejected credentials need different fixes, so each gets its own line */
export function credentialReason(
  awsCode: string,
  msg: string,
  profile: string | undefined
): string {
  const who = profile ? `for profile '${profile}'` : '(default credential chain)'
  const login = profile ? `\`aws sso login --profile ${profile}\`` : '`aws sso login`'
  if (EXPIRED_CODES.has(awsCode) || /expired/i.test(msg))
    return `AWS credentials ${who} have expired (${awsCode}): run ${login} or refresh them`
  if (REJECTED_CODES.has(awsCode))
    return `AWS rejected the credentials ${who} (${awsCode}): the access key is wrong, deleted or for another partition; check \`aws sts get-caller-identity\``
  return credentialsHint(profile)
}

/** the blob in "Encoded authorization failure message: ..." that sts decode-authorization-message reads */
function encodedAuthMessage(message: string): string | undefined {
  return /Encoded authorization failure message:\s*(\S+)/i.exec(message)?.[1]
}

function reasonFor(
  code: ProviderErrorCode,
  awsCode: string,
  err: unknown,
  ctx: AwsErrorContext
): string {
  const msg = awsMessage(err)
  switch (code) {
    case 'credentials':
      return credentialReason(awsCode, msg, ctx.profile)
    case 'unauthorized':
      return (
        `not authorized to perform ${ctx.action} (${awsCode}): add it to the IAM policy (see FLEET_IAM_POLICY)` +
        (encodedAuthMessage(msg)
          ? '; see why with `aws sts decode-authorization-message --encoded-message <details.encodedMessage>`'
          : '')
      )
    case 'throttled': {
      const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts
      return `AWS throttled ${ctx.action} (${awsCode})${attempts ? ` after ${attempts} attempts` : ''}: wait a minute, or poll less often`
    }
    case 'capacity':
      return QUOTA_CODES.has(awsCode)
        ? `account quota reached (${awsCode}: ${msg}): request a quota increase in Service Quotas, or use the other market`
        : `no capacity (${awsCode}: ${msg}): try other zones or instance types, or on-demand`
    case 'invalid-parameter':
      return `AWS rejected a parameter (${awsCode}: ${msg}): check the instance type, AMI, subnet and security group settings`
    case 'not-found':
      return `not found (${awsCode}: ${msg})`
    case 'dry-run-ok':
      return 'dry run: the request would have succeeded (nothing was changed)'
    default:
      return NETWORK_CODES.has(awsCode)
        ? `cannot reach the AWS endpoint (${awsCode}: ${msg}): check the network or proxy, and AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL if set`
        : `${awsCode}: ${msg}`
  }
}

/** Wraps anything the SDK threw; ProviderErrors pass through unchanged. */
export function toProviderError(err: unknown, ctx: AwsErrorContext): ProviderError {
  if (isProviderError(err)) return err
  const awsCode = awsErrorCode(err) ?? 'UnknownError'
  const code = classifyAwsCode(awsCode)
  const encodedMessage = code === 'unauthorized' ? encodedAuthMessage(awsMessage(err)) : undefined
  return new ProviderError(code, `${ctx.what} failed: ${reasonFor(code, awsCode, err, ctx)}`, {
    cause: err,
    details: { awsCode, action: ctx.action, ...(encodedMessage ? { encodedMessage } : {}) }
  })
}

/** runs one AWS call and maps whatever it throws */
export async function mapAwsErrors<T>(ctx: AwsErrorContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw toProviderError(err, ctx)
  }
}
