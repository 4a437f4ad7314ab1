import { alpha } from '../alpha/alpha'
export const usesAlpha = alpha
