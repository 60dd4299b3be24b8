/**
 * Version 2: outbox claims. With several processes, the one delivering the
 * outbox claims an entry before it sends it, for a while (a lease). A process
 * that takes the delivering over (the first one died or lost its database)
 * leaves an entry claimed by another alone until the claim runs out: a reply
 * the first one sent while cut off from the database, and records once it is
 * back, is not sent a second time. A claim goes with its entry's delivery.
 */
export const version = 2;
export const name = 'outbox claims';
export const sql = /* sql */ `
CREATE TABLE outbox_claims (
  outbox_id text PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
  claimed_by text NOT NULL,
  -- ms since the epoch, by the claimant's clock
  claimed_until bigint NOT NULL
);

CREATE FUNCTION caredesk_outbox_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM outbox_claims WHERE outbox_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_settled AFTER UPDATE OF status ON outbox
  FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending')
  EXECUTE FUNCTION caredesk_outbox_settled();
`;
