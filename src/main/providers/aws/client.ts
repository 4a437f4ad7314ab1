// How Synkti builds its EC2 client: the way AWS users already configure the CLI.
//
// - Credentials: no profile -> the SDK's default Node chain (env keys, AWS_PROFILE, SSO, ~/.aws files,
//   credential_process, web identity, ECS/IMDS). Named profile -> fromIni({ profile }), which covers
//   static keys, assume-role, credential_process and IAM Identity Center (SSO) profiles.
// - Endpoint: an explicit `endpoint` wins; otherwise the SDK itself reads AWS_ENDPOINT_URL_EC2, then
//   AWS_ENDPOINT_URL, then `endpoint_url` from the profile (verified in endpoint.test.ts against a
//   local HTTP server) — handy for LocalStack/moto.
// - Retries: 'adaptive' mode adds client-side rate limiting on top of exponential backoff, which is
//   what EC2's RequestLimitExceeded asks for; only after maxAttempts does the error surface
//   (as ProviderError 'throttled').

import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2'
import { fromIni } from '@aws-sdk/credential-providers'

export interface AwsClientOptions {
  region: string
  /** named profile from ~/.aws/config; absent: AWS_PROFILE or the default chain */
  profile?: string
  /** e.g. http://localhost:4566; absent: AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL / the real EC2 */
  endpoint?: string
  /** total attempts per call including the first (default 6) */
  maxAttempts?: number
  /** explicit credentials, e.g. from the cockpit's own prompt; overrides profile resolution */
  credentials?: EC2ClientConfig['credentials']
}

export const DEFAULT_MAX_ATTEMPTS = 6

export function ec2ClientConfig(opts: AwsClientOptions): EC2ClientConfig {
  const credentials =
    opts.credentials ??
    (opts.profile
      ? fromIni({ profile: opts.profile, clientConfig: { region: opts.region } })
      : undefined)
  return {
    region: opts.region,
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(credentials ? { credentials } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    retryMode: 'adaptive',
    maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  }
}

export type Ec2ClientFactory = (config: EC2ClientConfig) => EC2Client

export const defaultEc2ClientFactory: Ec2ClientFactory = (config) => new EC2Client(config)

/** the profile the credential chain will use, for error hints */
export function effectiveProfile(profile: string | undefined): string | undefined {
  return profile ?? (process.env.AWS_PROFILE || undefined)
}
