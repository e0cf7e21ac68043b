import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Written by `npm run build` next to the compiled sources: dist/workflow-bundle.js. */
export const WORKFLOW_BUNDLE_FILE = path.join(__dirname, '..', '..', 'workflow-bundle.js');

/**
 * The same workflows with Temporal's OpenTelemetry workflow interceptors, which continue the
 * caller's trace in the workflow and pass it on to activities. Workers load it only when they
 * export traces: the interceptors cost about a fifth of a worker's CPU per message.
 */
export const TRACED_WORKFLOW_BUNDLE_FILE = path.join(__dirname, '..', '..', 'workflow-bundle-traced.js');
export const TRACING_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** Short content hash that names a bundle in logs: two workers with one hash run the same workflow code. */
export function bundleDigest(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 16);
}

export interface LoadedBundle {
  codePath: string;
  digest: string;
}

/** The bundle built at build time; a worker never bundles workflow source itself. */
export function loadWorkflowBundle(file = WORKFLOW_BUNDLE_FILE): LoadedBundle {
  if (!existsSync(file)) throw new Error(`workflow bundle ${file} is missing: run npm run build`);
  return { codePath: file, digest: bundleDigest(readFileSync(file, 'utf8')) };
}
