import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Config } from '../config';
import type { Database } from '../db/mongo';
import type { Logger } from '../logger';
import type { MessageWorkflows } from '../temporal/messageWorkflows';
import { authenticate } from './auth';
import { ApiError, errorHandler } from './errors';
import { requestIdMiddleware } from './requestContext';
import { healthRouter } from './routes/health';
import { messagesRouter } from './routes/messages';

export interface AppDeps {
  config: Config;
  database: Database;
  temporal: Client;
  workflows: MessageWorkflows;
  logger: Logger;
}

export const BODY_LIMIT = '50mb';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestIdMiddleware(deps.logger));
  app.use(healthRouter(deps.database.db, deps.temporal));

  const collections = deps.database.collections;
  app.use('/v1', authenticate(collections));
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(messagesRouter({ config: deps.config, collections, workflows: deps.workflows }));

  app.use((req, _res, next) => next(new ApiError('not_found', `No route for ${req.method} ${req.path}.`)));
  app.use(errorHandler);
  return app;
}
