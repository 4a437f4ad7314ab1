export const historyStub = 'history'
