/** On SIGTERM or SIGINT, closes the process's servers and connections in order, then exits. */
export function shutdownOnSignal(...closers: (() => Promise<unknown>)[]): void {
  const shutdown = async () => {
    for (const close of closers) await close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
