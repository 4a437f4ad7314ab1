import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openHistory } from './history'
import { MIGRATIONS, SCHEMA_VERSION } from './schema'
import { T0, instance, tempDir } from '../../../test/support/history-fixtures'

describe('history file and migrations', () => {
  let tmp: ReturnType<typeof tempDir>
  let file: string
  beforeEach(() => {
    tmp = tempDir()
    file = join(tmp.dir, 'history.db')
  })
  afterEach(() => tmp.cleanup())

  const pragma = (name: string): unknown => {
    const db = new Database(file, { readonly: true })
    try {
      return db.pragma(name, { simple: true })
    } finally {
      db.close()
    }
  }

  it('creates a WAL file at the current schema version', () => {
    openHistory(file).close()
    expect(pragma('user_version')).toBe(SCHEMA_VERSION)
    expect(pragma('journal_mode')).toBe('wal')
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('reopens idempotently, keeping data and version', () => {
    const h = openHistory(file)
    h.upsertInstance(instance('a'))
    h.recordEvent({ at: T0, kind: 'launch', instanceId: 'a' })
    h.close()
    for (let i = 0; i < 3; i++) {
      const again = openHistory(file)
      expect(again.stats()).toMatchObject({ events: 1, instances: 1 })
      again.close()
    }
    expect(pragma('user_version')).toBe(SCHEMA_VERSION)
  })

  it('refuses a file written by a newer build, with a clear error, and leaves it alone', () => {
    openHistory(file).close()
    const db = new Database(file)
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    db.close()
    expect(() => openHistory(file)).toThrow(
      new RegExp(
        `schema version ${SCHEMA_VERSION + 5}, newer than this build of Synkti knows \\(${SCHEMA_VERSION}\\)`
      )
    )
    expect(pragma('user_version')).toBe(SCHEMA_VERSION + 5)
  })

  it('enforces foreign keys: no ledger row for an unknown instance', () => {
    const h = openHistory(':memory:')
    expect(() => h.accrue('ghost', T0, T0 + 1000, 1, 2)).toThrow(/unknown instance ghost/)
    h.close()
  })

  it('works in memory', () => {
    const h = openHistory(':memory:')
    h.recordEvents([{ at: T0, kind: 'checkpoint' }])
    expect(h.stats().events).toBe(1)
    h.close()
  })
})
