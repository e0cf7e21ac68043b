export { deliverMessage } from './deliverMessage';
export { deliverWebhook } from './deliverWebhook';
export { purgeExpiredData } from './purgeExpiredData';
export { reencryptStoredData } from './reencryptStoredData';
