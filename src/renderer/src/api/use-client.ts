import { inject, type InjectionKey } from 'vue'
import type { SynktiClient } from '@shared/api'

export const CLIENT_KEY: InjectionKey<SynktiClient> = Symbol('synkti-client')

/** The API client provided by main.ts (tests provide a fake one). */
export function useClient(): SynktiClient {
  const client = inject(CLIENT_KEY)
  if (!client) throw new Error('no Synkti client provided')
  return client
}
