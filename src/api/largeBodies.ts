import type { RequestHandler } from 'express';
import { ServiceError } from '../contracts/serviceError';

/** Bodies above this size (or of unannounced size) count as large. */
export const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * At most `max` large bodies are read and handled at once per process; the next ones wait
 * (unread, so TCP holds them back) up to `waitMs`, then get 503 with Retry-After. A few
 * clients sending 50 MB each cannot take the memory every other request needs.
 */
export function boundLargeBodies(max: number, waitMs = 30_000): RequestHandler {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return (req, res, next) => {
    const length = req.headers['content-length'];
    const large =
      length === undefined
        ? req.headers['transfer-encoding'] !== undefined
        : Number(length) > LARGE_BODY_BYTES;
    if (!large) {
      next();
      return;
    }
    const admitted = () => {
      res.once('close', release);
      next();
    };
    if (running < max) {
      running += 1;
      admitted();
      return;
    }
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(wake), 1);
      res.set('Retry-After', '5');
      next(
        new ServiceError('service_unavailable', 'Too many large requests are in progress; retry shortly.'),
      );
    }, waitMs);
    const wake = () => {
      clearTimeout(timer);
      admitted();
    };
    waiting.push(wake);
    // A client that gives up while waiting leaves the queue.
    res.once('close', () => {
      const at = waiting.indexOf(wake);
      if (at >= 0) {
        clearTimeout(timer);
        waiting.splice(at, 1);
      }
    });
  };
}
