export { deliverMessage } from './deliverMessage';
export { deliverWebhook } from './deliverWebhook';
