// Shared builders for the history tests (not shipped: only *.test.ts import this file).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ManagedInstance } from '../../src/shared/fleet'

export const T0 = Date.UTC(2025, 0, 1, 0, 0, 0)
export const MIN = 60_000
export const HOUR = 3_600_000

export function instance(id: string, over: Partial<ManagedInstance> = {}): ManagedInstance {
  return {
    id,
    name: `worker-${id}`,
    provider: 'sandbox',
    region: 'us-east-1',
    zone: 'us-east-1a',
    instanceType: 'g5.xlarge',
    market: 'spot',
    state: 'pending',
    gpus: 1,
    gpuMemoryGiB: 24,
    pricePerHour: 0.3,
    onDemandPricePerHour: 1.0,
    launchedAt: T0,
    tags: { fleet: 'test' },
    ...over
  }
}

/** A fresh temp directory and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'synkti-history-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
