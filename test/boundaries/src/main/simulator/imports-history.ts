// breaks pure-cores-import-only-shared-and-cores
import { historyStub } from '../history/history-stub'
export const fromSimulator = historyStub
