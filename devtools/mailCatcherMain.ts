import { startMailCatcher } from './mailCatcher';

const smtpPort = Number(process.env.CATCHER_SMTP_PORT ?? 1025);
const httpPort = Number(process.env.CATCHER_HTTP_PORT ?? 8025);

startMailCatcher({ smtpPort, httpPort })
  .then((catcher) => {
    console.log(`mail catcher: SMTP 127.0.0.1:${catcher.smtpPort}, web http://127.0.0.1:${catcher.httpPort}`);
    const stop = () => catcher.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
