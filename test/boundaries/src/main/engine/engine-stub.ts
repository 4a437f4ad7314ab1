export const engineStub = 'engine'
