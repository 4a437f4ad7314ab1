export const beta = 'beta'
