import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { LeaseStore } from './workloads'

/** The lease row that says which daemon owns a history file. */
export const DAEMON_LEASE = 'daemon'
/** A holder that stops renewing (killed, frozen) frees the file after this long. */
export const DAEMON_LEASE_TTL_MS = 30_000

/** Another live daemon holds the history file: the second start refuses, naming it. */
export class DaemonLockRefused extends Error {}

export interface DaemonLock {
  readonly holder: string
  /** extends the lease; false when another daemon took it meanwhile (ours had expired) */
  renew(): boolean
  release(): void
}

/** `<pid>@<host>#<nonce>`: the pid and host name the other daemon for an operator. */
export function daemonHolder(pid = process.pid, host = hostname()): string {
  return `${pid}@${host}#${randomBytes(4).toString('hex')}`
}

/** The holder's pid and host, or undefined for a holder written another way. */
export function parseHolder(holder: string): { pid: number; host: string } | undefined {
  const m = /^(\d+)@([^#]+)#/.exec(holder)
  return m ? { pid: Number(m[1]), host: m[2] } : undefined
}

/** A holder on this host whose process is gone (killed, crashed): its lease is void now. */
export function deadLocalHolder(holder: string): boolean {
  const parsed = parseHolder(holder)
  if (!parsed || parsed.host !== hostname() || parsed.pid === process.pid) return false
  try {
    process.kill(parsed.pid, 0)
    return false
  } catch (error) {
    // EPERM: alive under another user
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Takes the `daemon` lease of a history file, so two daemons never run on one file (each would
 * record every event again and launch into the same fleet). A dead holder on this host is taken over
 * at once; a live one (or one on another host, until its lease runs out) refuses with its pid and host.
 */
export function takeDaemonLock(
  leases: LeaseStore,
  now: () => number,
  file: string,
  holder = daemonHolder()
): DaemonLock {
  let result = leases.acquire(DAEMON_LEASE, holder, now(), DAEMON_LEASE_TTL_MS)
  if (!result.ok && deadLocalHolder(result.holder)) {
    leases.release(DAEMON_LEASE, result.holder)
    result = leases.acquire(DAEMON_LEASE, holder, now(), DAEMON_LEASE_TTL_MS)
  }
  if (!result.ok) {
    const other = parseHolder(result.holder)
    const who = other ? `pid ${other.pid} on ${other.host}` : result.holder
    throw new DaemonLockRefused(
      `another Synkti daemon (${who}) uses the history file ${file}; stop it first, or give this one another --db`
    )
  }
  return {
    holder,
    renew: () => leases.acquire(DAEMON_LEASE, holder, now(), DAEMON_LEASE_TTL_MS).ok,
    release: () => leases.release(DAEMON_LEASE, holder)
  }
}
