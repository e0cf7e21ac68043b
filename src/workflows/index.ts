export { deliverMessage } from './deliverMessage';
