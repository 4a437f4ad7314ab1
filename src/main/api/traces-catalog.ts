import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { TraceInfo } from '../../shared/api'
import { loadTrace, TraceError } from '../simulator/traces'

/** The app's resources folder: next to the project in development and the CLI, inside the package when installed. */
export function resourcesDir(): string {
  const candidates = [
    join(__dirname, '..', '..', 'resources'),
    join(__dirname, '..', '..', '..', 'resources'),
    join(__dirname, '..', '..', '..', '..', 'resources'),
    (process as { resourcesPath?: string }).resourcesPath ?? ''
  ]
  return candidates.find((dir) => dir && existsSync(join(dir, 'traces'))) ?? candidates[0]
}

/** The real spot traces bundled with the app (Apache-2.0, LICENSE and NOTICE beside them), one entry per data set. */
export function bundledTraces(dir = join(resourcesDir(), 'traces')): TraceInfo[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const path = join(dir, name)
      const trace = loadTrace(path)
      return {
        id: name,
        label: `${name} (${trace.zones.length} zones)`,
        path,
        zones: trace.zones.length,
        hours: Math.round((trace.ticks * trace.gapSeconds) / 360) / 10,
        source: 'bundled' as const
      }
    })
}

/** Windows exported from history into the data folder (one folder per export). */
export function exportedTraces(dir: string): TraceInfo[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .flatMap((name) => {
      try {
        const trace = loadTrace(join(dir, name))
        return [
          {
            id: `history/${name}`,
            label: `history: ${basename(name)}`,
            path: join(dir, name),
            zones: trace.zones.length,
            hours: Math.round((trace.ticks * trace.gapSeconds) / 360) / 10,
            source: 'history' as const
          }
        ]
      } catch (error) {
        // one unreadable export must not hide the others; say which and why, once per listing
        if (!(error instanceof TraceError)) throw error
        console.error(`traces: skipped history/${name}: ${error.message}`)
        return []
      }
    })
}
