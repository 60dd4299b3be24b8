/** A customer's data rights: export (GDPR art. 15, 20) and erasure (art. 17). */
export {
  type EraseDeps,
  type EraseRequest,
  type ErasureResult,
  eraseCustomerData,
  MAX_REASON_LENGTH,
} from './erase.js';
export { type CustomerExport, EXPORT_FORMAT, exportCustomer, type SurveyAnswer } from './export.js';
export { customerIdsOf, type Person, personOf } from './person.js';
