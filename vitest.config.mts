import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      '@shared': resolve(import.meta.dirname, 'src/shared'),
      '@renderer': resolve(import.meta.dirname, 'src/renderer/src')
    }
  },
  test: {
    include: [
      'src/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/support/**/*.test.ts',
      'test/boundaries/*.test.ts'
    ],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
