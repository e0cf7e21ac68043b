import { stopChild } from '../../devtools/localServices';

export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.__sendflowChildren ?? []).map((child) => stopChild(child)));
}
