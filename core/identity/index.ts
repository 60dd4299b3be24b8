export { type CaseHistory, customerHistory, customerTimeline } from './history.js';
export { isLinkCommand, type LinkCommand, runLinkCommand } from './link-command.js';
export {
  type CustomerLink,
  CustomerLinkSchema,
  issueLinkCode,
  LINK_CODE_TTL_MS,
  LinkCodeError,
  type LinkDeps,
  type LinkEvidence,
  LinkEvidenceSchema,
  listCustomerLinks,
  type MergeRequest,
  mergeCustomers,
  redeemLinkCode,
  unmergeCustomers,
} from './linking.js';
export { type ChannelIdentity, linkVouchedIdentities, type VouchedClaim } from './vouched.js';
