export const systemClockStub = { now: () => 0 }
