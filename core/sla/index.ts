export { addBusinessTime, type BusinessHours, BusinessHoursSchema, isOpen, nextOpening } from './business-hours.js';
export {
  businessHoursFor,
  dueAlerts,
  isBreached,
  nextAlertAt,
  onAgentReply,
  onCustomerMessage,
  policyFor,
  replyWindowClosesAt,
  SLA_TARGETS,
  type SlaAlert,
  type SlaTarget,
  slaDeadline,
  startQueueTimers,
  stopHumanTimers,
} from './timers.js';
export { SlaWatcher } from './watcher.js';
