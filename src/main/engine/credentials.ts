import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers'
import type { CredentialCheck } from '../../shared/api'
import { errorText } from '../../shared/errors'

/** Asks STS who the configured credentials belong to; the answer is one line either way. */
export async function checkAwsCredentials(
  profile: string,
  region: string,
  client?: STSClient
): Promise<CredentialCheck> {
  const sts =
    client ??
    new STSClient({
      region,
      credentials: profile ? fromIni({ profile }) : fromNodeProviderChain(),
      maxAttempts: 2
    })
  const who = profile ? `profile '${profile}'` : 'the default credential chain'
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}))
    return { ok: true, message: `${who} works: account ${identity.Account}, ${identity.Arn}` }
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error'
    const message = errorText(error).split('\n')[0]
    if (name === 'CredentialsProviderError' || /credential|token|expired|sso/i.test(message)) {
      const hint = profile
        ? `run \`aws sso login --profile ${profile}\` or check ~/.aws/credentials`
        : 'set AWS_PROFILE or configure ~/.aws/credentials'
      return { ok: false, message: `no usable AWS credentials for ${who}: ${message} (${hint})` }
    }
    return { ok: false, message: `AWS did not accept ${who}: ${name}: ${message}` }
  }
}
