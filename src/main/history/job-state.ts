// The live state of each deadline job (progress, checkpoints, decisions, its instance), one JSON row
// per job in the history file, written before the controller acts on it so a restart resumes.
import type Database from 'better-sqlite3'

export interface JobStateStore {
  /** the stored state of a job and the generation it was written for, or undefined */
  get(name: string): { generation: number; state: unknown } | undefined
  put(name: string, generation: number, state: unknown, now: number): void
}

export function createJobStateStore(db: Database.Database): JobStateStore {
  const get = db.prepare<[string], { generation: number; state: string }>(
    'SELECT generation, state FROM job_states WHERE name = ?'
  )
  const put = db.prepare(
    'INSERT INTO job_states (name, generation, state, updated_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, state = excluded.state, updated_at = excluded.updated_at'
  )
  return {
    get: (name) => {
      const row = get.get(name)
      return row
        ? { generation: row.generation, state: JSON.parse(row.state) as unknown }
        : undefined
    },
    put: (name, generation, state, now) => {
      put.run(name, generation, JSON.stringify(state), now)
    }
  }
}
