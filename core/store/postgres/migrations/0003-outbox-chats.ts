/**
 * Version 3: a conversation's pending replies, in order. With several
 * processes each delivering the replies its own commits queued, one chat's
 * replies may be queued by different processes; a send claims its entry only
 * once every earlier pending reply to the same customer on the same channel
 * is its own claimant's (see PostgresStore.claimOutboxEntry). This index
 * finds them without reading a conversation's delivered history.
 */
export const version = 3;
export const name = 'outbox by chat';
export const sql = /* sql */ `
CREATE INDEX outbox_pending_of_conversation ON outbox (conversation_id, pos) WHERE status = 'pending';
`;
