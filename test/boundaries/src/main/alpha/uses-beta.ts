// with beta/uses-alpha.ts: breaks no-folder-cycles (alpha -> beta -> alpha, no module cycle)
import { beta } from '../beta/beta'
export const usesBeta = beta
