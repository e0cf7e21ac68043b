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
  WORKFLOW_BUNDLE_FILE,
  WORKFLOW_INTERCEPTOR_MODULES,
} from '../src/worker/workflowBundle';

async function main() {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error },
  });
  writeFileSync(WORKFLOW_BUNDLE_FILE, code);
  const file = path.relative(process.cwd(), WORKFLOW_BUNDLE_FILE);
  console.log(`[build] workflow bundle ${file} (${code.length} bytes, sha256 ${bundleDigest(code)})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
