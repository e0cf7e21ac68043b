import { Router } from 'express';
import type { Collections } from '../../db/mongo';
import { requireScope } from '../auth';
import { ApiError } from '../errors';
import { type AcceptanceDeps, acceptMessage } from '../messageAcceptance';
import { messageDetailView } from '../messageView';
import { authOf } from '../requestContext';

export function messagesRouter(deps: AcceptanceDeps & { collections: Collections }): Router {
  const router = Router();

  router.post('/v1/messages', requireScope('send'), async (req, res) => {
    const result = await acceptMessage(deps, authOf(res), req.body, {
      'idempotency-key': req.get('idempotency-key'),
      'x-idempotency-key': req.get('x-idempotency-key'),
    });
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(202).json(result.body);
  });

  router.get('/v1/messages/:id', requireScope('read'), async (req, res) => {
    const auth = authOf(res);
    const message = await deps.collections.messages.findOne({
      _id: req.params.id,
      project_id: auth.projectId,
    });
    if (!message) throw new ApiError('not_found', `No message ${req.params.id}.`);
    const events = await deps.collections.events
      .find({ message_id: message._id })
      .sort({ created_at: 1 })
      .toArray();
    res.json(messageDetailView(message, events));
  });

  return router;
}
