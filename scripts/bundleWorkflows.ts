/**
 * Build step (part of `npm run build`): bundles the workflow code once into
 * dist/workflow-bundle.js, so workers load a fixed, identifiable bundle instead of bundling
 * their source at start-up. Run from dist/scripts after tsc.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import {
  bundleDigest,
  TRACED_WORKFLOW_BUNDLE_FILE,
  TRACING_INTERCEPTOR_MODULES,
  WORKFLOW_BUNDLE_FILE,
} from '../src/worker/workflowBundle';

async function bundle(file: string, workflowInterceptorModules: string[]) {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    workflowInterceptorModules,
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error },
  });
  writeFileSync(file, code);
  const name = path.relative(process.cwd(), file);
  console.log(`[build] workflow bundle ${name} (${code.length} bytes, sha256 ${bundleDigest(code)})`);
}

async function main() {
  await bundle(WORKFLOW_BUNDLE_FILE, []);
  await bundle(TRACED_WORKFLOW_BUNDLE_FILE, TRACING_INTERCEPTOR_MODULES);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
