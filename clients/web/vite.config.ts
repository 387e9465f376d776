import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The router serves dist/ at `/` (router/web-client.ts); `npm run dev` proxies the API to a running
// `npm start` on port 4000.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, manifest: true, sourcemap: true },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true },
      '/api': 'http://127.0.0.1:4000',
      // Embedded uploads and downloads (signed URLs the API returns are relative to the router).
      '/media': 'http://127.0.0.1:4000',
    },
  },
});
