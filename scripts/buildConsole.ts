/**
 * Build step (part of `npm run build`): bundles the web console (console/src, Preact) with
 * esbuild into dist/console: index.html and assets/app.{js,css}. The API serves that folder at
 * /console. Run from dist/scripts after tsc.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.join(__dirname, '..', '..');
const OUT = path.join(ROOT, 'dist', 'console');

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, 'assets'), { recursive: true });
  await build({
    entryPoints: { app: path.join(ROOT, 'console', 'src', 'main.tsx') },
    outdir: path.join(OUT, 'assets'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: path.join(ROOT, 'console', 'tsconfig.json'),
    logLevel: 'warning',
  });
  copyFileSync(path.join(ROOT, 'console', 'index.html'), path.join(OUT, 'index.html'));
  console.log(`[build] console ${path.relative(process.cwd(), OUT)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
