import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'

/** A seeded source of uniform [0, 1) numbers; the only randomness the simulator uses. */
export interface Random {
  /** uniform in [0, 1) */
  next(): number
  /** an independent stream, derived deterministically from this one's seed and the label */
  fork(label: number): Random
}

export function createRandom(seed: number): Random {
  const generator = xoroshiro128plus(seed | 0)
  return {
    next: () => uniformFloat64(generator),
    // A fork mixes the label into a new 32-bit seed (splitmix32 finaliser) so streams for runs and
    // policies never overlap in practice and do not depend on how many draws the parent made.
    fork: (label: number) => createRandom(mixSeed(seed, label))
  }
}

export function mixSeed(seed: number, label: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b9) + Math.imul(label | 0, 0x85ebca6b) + 0x6a09e667) | 0
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) | 0
}

/** Exp(rate) variate; Infinity when rate is 0. */
export function exponential(uniform: () => number, rate: number): number {
  if (rate <= 0) return Infinity
  return -Math.log(1 - uniform()) / rate
}

/** Standard normal variate (Box-Muller; one of the pair is discarded to keep draws stateless). */
export function standardNormal(uniform: () => number): number {
  const u1 = 1 - uniform()
  const u2 = uniform()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** Log-normal variate with the given mean and coefficient of variation. */
export function logNormal(uniform: () => number, mean: number, cv: number): number {
  if (cv <= 0) return mean
  const sigma2 = Math.log(1 + cv * cv)
  const mu = Math.log(mean) - sigma2 / 2
  return Math.exp(mu + Math.sqrt(sigma2) * standardNormal(uniform))
}
