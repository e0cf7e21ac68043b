/** Times in the viewer's zone, to the second: enough to tell attempts apart. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge status-${props.status}`}>{props.status}</span>;
}

export function TestBadge(props: { test: boolean }) {
  return props.test ? <span class="badge test">test</span> : null;
}

/** Shows an error (from the API or the browser) where the action was. */
export function ErrorLine(props: { error: unknown }) {
  if (!props.error) return null;
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function CopyButton(props: { value: string; label?: string }) {
  return (
    <button type="button" class="small" onClick={() => navigator.clipboard?.writeText(props.value)}>
      {props.label ?? 'Copy'}
    </button>
  );
}
