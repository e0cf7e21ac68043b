import express from 'express';

// Ceiling for the accept path: the same process layout (Express, JSON body parsing) with no work.
const app = express();
app.use(express.json({ limit: '50mb' }));
app.post('/v1/messages', (_req, res) => {
  res.status(202).json({ message_id: 'msg_bare', status: 'queued' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
