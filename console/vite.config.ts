import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Served by bothooks at /console; CONSOLE_OUT_DIR lets the browser tests build into a folder of their own.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  resolve: {
    // The typed client's source: only its HTTP part, so nothing of the Node-side kit reaches the bundle.
    alias: { '@bothooks/client': here('../clients/typescript/src/client.ts') },
  },
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? here('../dist/console'),
    emptyOutDir: true,
    // The page runs under `script-src 'self'`: no inline polyfill.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 800,
  },
});
