export { deliverMessage } from './deliverMessage';
export { deliverWebhook } from './deliverWebhook';
export { purgeExpiredData } from './purgeExpiredData';
export { reconcileMessages } from './reconcileMessages';
export { redriveMessages } from './redriveMessages';
export { reencryptStoredData } from './reencryptStoredData';
