import { useState } from 'preact/hooks';

/**
 * What a page's actions share: `run` clears the last error, runs the action and keeps what it
 * threw (shown by ErrorLine); `submit` does the same for a form instead of navigating.
 */
export function useAction() {
  const [error, setError] = useState<unknown>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    }
  };
  const submit = (action: () => Promise<unknown>) => (e: Event) => {
    e.preventDefault();
    run(action);
  };
  return { error, setError, run, submit };
}
