import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Builds the renderer into dist/renderer with relative asset paths (loaded over HTTP and from file:// in Electron). */
export default defineConfig(({ command }) => {
  // A shell that exports NODE_ENV=development would otherwise make `vite build` bundle React's development build.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: here('./renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: here('./dist/renderer'),
      emptyOutDir: true,
      sourcemap: true,
      chunkSizeWarningLimit: 1500,
    },
  };
});
