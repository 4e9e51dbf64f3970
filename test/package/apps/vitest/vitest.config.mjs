import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// esbuild (Vitest's default transform) emits no decorator metadata, which Nest's injection by type
// needs: SWC compiles the TypeScript instead.
export default defineConfig({
  test: { globals: true, include: ['test/**/*.e2e-spec.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
  plugins: [swc.vite({ module: { type: 'es6' } })],
});
