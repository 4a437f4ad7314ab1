export const alpha = 'alpha'
