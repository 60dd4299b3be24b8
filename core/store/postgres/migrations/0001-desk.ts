/**
 * Version 1: the desk's tables. Each table has the columns the desk looks
 * things up by, plus `doc`, the whole record as the desk wrote it (`json`, not
 * `jsonb`: it keeps the text exactly, `\u0000` included, and costs no parse on
 * write). Reporting tools read the columns and `doc->>'field'`.
 *
 * Writes go through `caredesk_commit(…)`: one round trip applies what a group
 * of batches leaves behind, one array per column, and numbers its events
 * under the counter row's lock, taken last, so events become visible in
 * number order with no gap that fills later, whichever process commits.
 */
export const version = 1;
export const name = 'desk';
export const sql = /* sql */ `
CREATE TABLE desk_counters (
  id smallint PRIMARY KEY CHECK (id = 1),
  last_event_seq bigint NOT NULL,
  message_count bigint NOT NULL
);
INSERT INTO desk_counters VALUES (1, 0, 0);

CREATE TABLE customers (
  id text PRIMARY KEY,
  merged_into text,
  created_at timestamptz NOT NULL,
  doc json NOT NULL
);

-- Which customer an identity leads to (a merged customer's identities lead to the survivor).
CREATE TABLE customer_identities (
  channel text NOT NULL,
  external_id text NOT NULL,
  customer_id text NOT NULL,
  PRIMARY KEY (channel, external_id)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);

CREATE TABLE conversations (
  id text PRIMARY KEY,
  -- Insertion order: ties of last_message_at list in the order conversations were opened.
  pos bigserial NOT NULL,
  customer_id text NOT NULL,
  channel text NOT NULL,
  mode text NOT NULL,
  assignee text,
  priority text NOT NULL,
  topic text,
  skill text,
  created_at timestamptz NOT NULL,
  queued_at timestamptz,
  first_responded_at timestamptz,
  last_message_at timestamptz NOT NULL,
  resolved_at timestamptz,
  message_count int NOT NULL,
  doc json NOT NULL
);
-- Few indexes: a conversation's row changes with every message, and each index is rewritten with it.
CREATE INDEX conversations_customer ON conversations (customer_id, last_message_at DESC);
CREATE INDEX conversations_by_mode_activity ON conversations (mode, last_message_at DESC);
CREATE INDEX conversations_activity ON conversations (last_message_at DESC);
CREATE INDEX conversations_assignee ON conversations (assignee) WHERE assignee IS NOT NULL;

CREATE TABLE messages (
  id text PRIMARY KEY,
  -- Append order within a conversation.
  pos bigserial NOT NULL,
  conversation_id text NOT NULL,
  customer_id text NOT NULL,
  channel text NOT NULL,
  direction text NOT NULL,
  author text NOT NULL,
  channel_message_id text,
  created_at timestamptz NOT NULL,
  doc json NOT NULL
);
CREATE INDEX messages_of_conversation ON messages (conversation_id, pos);
CREATE INDEX messages_channel_id ON messages (channel, channel_message_id) WHERE direction = 'inbound' AND channel_message_id IS NOT NULL;

CREATE TABLE events (
  seq bigint PRIMARY KEY,
  type text NOT NULL,
  at timestamptz NOT NULL,
  conversation_id text,
  customer_id text,
  agent_id text,
  doc json NOT NULL
);
CREATE INDEX events_of_conversation ON events (conversation_id, seq) WHERE conversation_id IS NOT NULL;
CREATE INDEX events_of_agent ON events (agent_id, seq) WHERE agent_id IS NOT NULL;

CREATE TABLE outbox (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  conversation_id text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  doc json NOT NULL,
  -- Set by a delivery (doc is as the entry was last written): status 'delivered' with these.
  attempts int,
  delivered_at text,
  delivered_channel_message_id text
);
CREATE INDEX outbox_pending ON outbox (pos) WHERE status = 'pending';
CREATE INDEX outbox_by_status ON outbox (status, pos);
CREATE INDEX outbox_of_conversation ON outbox (conversation_id, pos);

CREATE TABLE flow_snapshots (
  conversation_id text PRIMARY KEY,
  snapshot json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id text PRIMARY KEY,
  pos bigserial NOT NULL,
  token_hash text NOT NULL,
  doc json NOT NULL
);
CREATE INDEX agents_token ON agents (token_hash);

CREATE TABLE records (
  collection text NOT NULL,
  id text NOT NULL,
  pos bigserial NOT NULL,
  value json NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE INDEX records_in_order ON records (collection, pos);

-- A group commit: what the batches of a group leave behind (merged in order by the client, see
-- core/store/postgres/rows.ts), one array per column. Column arrays, not JSON documents: nothing is parsed
-- out of the records here, and a record's JSON keeps a customer's NUL (\\u0000), which text cannot hold.
-- Returns the number before the first event's (its seq - 1), or NULL when there are no events.
CREATE FUNCTION caredesk_commit(
  cu_id text[], cu_merged text[], cu_created timestamptz[], cu_doc json[],
  ci_channel text[], ci_external text[], ci_customer text[],
  cv_id text[], cv_customer text[], cv_channel text[], cv_mode text[], cv_assignee text[], cv_priority text[],
  cv_topic text[], cv_skill text[], cv_created timestamptz[], cv_queued timestamptz[], cv_responded timestamptz[],
  cv_last timestamptz[], cv_resolved timestamptz[], cv_count int[], cv_doc json[],
  m_id text[], m_conversation text[], m_customer text[], m_channel text[], m_direction text[], m_author text[],
  m_channel_message text[], m_created timestamptz[], m_doc json[],
  o_id text[], o_conversation text[], o_status text[], o_created timestamptz[], o_doc json[],
  d_id text[], d_attempts int[], d_at text[], d_channel_message text[],
  s_conversation text[], s_snapshot json[],
  a_id text[], a_token text[], a_doc json[], a_removed text[],
  r_collection text[], r_id text[], r_value json[],
  e_type text[], e_at timestamptz[], e_conversation text[], e_customer text[], e_agent text[], e_doc json[]
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  added bigint := 0;
  events bigint := coalesce(cardinality(e_type), 0);
  base bigint;
BEGIN
  IF cardinality(cu_id) > 0 THEN
    INSERT INTO customers (id, merged_into, created_at, doc)
      SELECT * FROM unnest(cu_id, cu_merged, cu_created, cu_doc)
      ON CONFLICT (id) DO UPDATE SET merged_into = excluded.merged_into, doc = excluded.doc;
    -- A customer's identities are the ones it lists now (a merged customer's lead to the survivor).
    DELETE FROM customer_identities WHERE customer_id = ANY(cu_id);
    INSERT INTO customer_identities (channel, external_id, customer_id)
      SELECT * FROM unnest(ci_channel, ci_external, ci_customer)
      ON CONFLICT (channel, external_id) DO UPDATE SET customer_id = excluded.customer_id;
  END IF;
  IF cardinality(cv_id) > 0 THEN
    INSERT INTO conversations (id, customer_id, channel, mode, assignee, priority, topic, skill, created_at, queued_at,
        first_responded_at, last_message_at, resolved_at, message_count, doc)
      SELECT * FROM unnest(cv_id, cv_customer, cv_channel, cv_mode, cv_assignee, cv_priority, cv_topic, cv_skill,
        cv_created, cv_queued, cv_responded, cv_last, cv_resolved, cv_count, cv_doc)
      ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, channel = excluded.channel,
        mode = excluded.mode, assignee = excluded.assignee, priority = excluded.priority, topic = excluded.topic,
        skill = excluded.skill, queued_at = excluded.queued_at, first_responded_at = excluded.first_responded_at,
        last_message_at = excluded.last_message_at, resolved_at = excluded.resolved_at,
        message_count = excluded.message_count, doc = excluded.doc;
  END IF;
  IF cardinality(m_id) > 0 THEN
    INSERT INTO messages (id, conversation_id, customer_id, channel, direction, author, channel_message_id, created_at, doc)
      SELECT * FROM unnest(m_id, m_conversation, m_customer, m_channel, m_direction, m_author, m_channel_message,
        m_created, m_doc)
      ON CONFLICT (id) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
  END IF;
  IF cardinality(o_id) > 0 THEN
    INSERT INTO outbox (id, conversation_id, status, created_at, doc)
      SELECT * FROM unnest(o_id, o_conversation, o_status, o_created, o_doc)
      ON CONFLICT (id) DO UPDATE SET conversation_id = excluded.conversation_id, status = excluded.status,
        doc = excluded.doc, attempts = NULL, delivered_at = NULL, delivered_channel_message_id = NULL;
  END IF;
  IF cardinality(d_id) > 0 THEN
    -- Only what a delivery changes; the reader lays it over doc (a json doc is not edited in place).
    UPDATE outbox o SET status = 'delivered', attempts = d.attempts, delivered_at = d.at,
        delivered_channel_message_id = d.channel_message
      FROM unnest(d_id, d_attempts, d_at, d_channel_message) AS d(id, attempts, at, channel_message)
      WHERE o.id = d.id;
  END IF;
  IF cardinality(s_conversation) > 0 THEN
    DELETE FROM flow_snapshots f USING unnest(s_conversation, s_snapshot) AS s(id, snapshot)
      WHERE f.conversation_id = s.id AND s.snapshot IS NULL;
    INSERT INTO flow_snapshots (conversation_id, snapshot)
      SELECT id, snapshot FROM unnest(s_conversation, s_snapshot) AS s(id, snapshot) WHERE snapshot IS NOT NULL
      ON CONFLICT (conversation_id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = now();
  END IF;
  IF cardinality(a_removed) > 0 THEN
    DELETE FROM agents WHERE id = ANY(a_removed);
  END IF;
  IF cardinality(a_id) > 0 THEN
    INSERT INTO agents (id, token_hash, doc) SELECT * FROM unnest(a_id, a_token, a_doc)
      ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, doc = excluded.doc;
  END IF;
  IF cardinality(r_collection) > 0 THEN
    DELETE FROM records r USING unnest(r_collection, r_id, r_value) AS x(collection, id, value)
      WHERE r.collection = x.collection AND r.id = x.id AND x.value IS NULL;
    INSERT INTO records (collection, id, value)
      SELECT * FROM unnest(r_collection, r_id, r_value) AS x(collection, id, value) WHERE value IS NOT NULL
      ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value;
  END IF;
  IF events = 0 AND added = 0 THEN
    RETURN NULL;
  END IF;
  -- Last: the counter row stays locked only until this transaction commits, and events become visible in
  -- number order whichever process commits them.
  UPDATE desk_counters SET last_event_seq = last_event_seq + events, message_count = message_count + added
    WHERE id = 1 RETURNING last_event_seq - events INTO base;
  IF events > 0 THEN
    INSERT INTO events (seq, type, at, conversation_id, customer_id, agent_id, doc)
      SELECT base + ord, type, at, conversation_id, customer_id, agent_id, doc
      FROM unnest(e_type, e_at, e_conversation, e_customer, e_agent, e_doc)
        WITH ORDINALITY AS e(type, at, conversation_id, customer_id, agent_id, doc, ord);
  END IF;
  RETURN base;
END
$fn$;

-- For reporting: one row per conversation with what the care team is judged on.
CREATE VIEW conversation_report AS
  SELECT id, customer_id, channel, mode, assignee, priority, topic, skill, message_count, created_at, queued_at,
    first_responded_at, first_responded_at - queued_at AS first_response_time, last_message_at, resolved_at,
    resolved_at - created_at AS time_to_resolve
  FROM conversations;
`;
