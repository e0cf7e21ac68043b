export { deliverMessage } from './deliverMessage';
export { deliverWebhook } from './deliverWebhook';
export { reencryptStoredData } from './reencryptStoredData';
