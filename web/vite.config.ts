import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into web/dist and served by `touchpoint serve` at /. `npm run dev:web` proxies the API.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/openapi.json': 'http://127.0.0.1:8080' } },
});
