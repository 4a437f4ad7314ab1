// Realistic, seeded EC2-style ids, so logs and the cockpit look like the real thing.

const HEX = '0123456789abcdef'

/** 'i-' + 17 lowercase hex digits drawn from `uniform`; never one of `taken`. */
export function newInstanceId(uniform: () => number, taken: (id: string) => boolean): string {
  for (;;) {
    let id = 'i-'
    for (let i = 0; i < 17; i++) id += HEX[Math.floor(uniform() * 16)]
    if (!taken(id)) return id
  }
}

export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{17}$/
