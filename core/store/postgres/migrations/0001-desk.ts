/**
 * Version 1: the desk's tables. Each table has the columns the desk looks
 * things up by, plus `doc`, the whole record as the desk wrote it (`json`, not
 * `jsonb`: it keeps the text exactly, `\u0000` included, and costs no parse on
 * write). Reporting tools read the columns and `doc->>'field'`.
 *
 * Writes go through `caredesk_commit(batches)`: one round trip applies a group
 * of batches in order and numbers their events under the counter row's lock,
 * taken last, so events become visible in number order with no gap that fills
 * later, whichever process commits.
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
  created_at timestamptz NOT NULL,
  last_message_at timestamptz NOT NULL,
  resolved_at timestamptz,
  doc json NOT NULL
);
CREATE INDEX conversations_open_of_customer ON conversations (customer_id) WHERE mode <> 'resolved';
CREATE INDEX conversations_customer ON conversations (customer_id, last_message_at DESC);
CREATE INDEX conversations_with_humans ON conversations (mode) WHERE mode IN ('queued', 'agent');
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

-- One batch of a commit, applied in the order the desk wrote its parts (see core/store/store.ts, WriteBatch).
-- Each row comes as the fields looked up by plus "d", the whole record as JSON text: PostgreSQL turns the
-- text back into json without unescaping it, so a customer's NUL (\\u0000, which text cannot hold) is kept.
-- A null "d" deletes (flow snapshots, records).
CREATE FUNCTION caredesk_apply_batch(b json) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  added bigint := 0;
BEGIN
  IF json_typeof(b->'customers') = 'array' THEN
    INSERT INTO customers (id, merged_into, created_at, doc)
      SELECT x->>'id', x->>'mergedInto', (x->>'createdAt')::timestamptz, (x->>'d')::json
      FROM (SELECT DISTINCT ON (x->>'id') x, ord FROM json_array_elements(b->'customers') WITH ORDINALITY AS t(x, ord)
        ORDER BY x->>'id', ord DESC) AS latest
      ORDER BY ord
      ON CONFLICT (id) DO UPDATE SET merged_into = excluded.merged_into, doc = excluded.doc;
    DELETE FROM customer_identities ci USING json_array_elements(b->'customers') AS t(x) WHERE ci.customer_id = x->>'id';
    INSERT INTO customer_identities (channel, external_id, customer_id)
      SELECT DISTINCT ON (i->>'channel', i->>'externalId') i->>'channel', i->>'externalId', x->>'id'
      FROM json_array_elements(b->'customers') WITH ORDINALITY AS t(x, ord),
        json_array_elements(x->'identities') AS it(i)
      WHERE x->>'mergedInto' IS NULL
      ORDER BY i->>'channel', i->>'externalId', ord DESC
      ON CONFLICT (channel, external_id) DO UPDATE SET customer_id = excluded.customer_id;
  END IF;

  IF json_typeof(b->'conversations') = 'array' THEN
    INSERT INTO conversations (id, customer_id, channel, mode, assignee, priority, created_at, last_message_at, resolved_at, doc)
      SELECT x->>'id', x->>'customerId', x->>'channel', x->>'mode', x->>'assignee', x->>'priority',
        (x->>'createdAt')::timestamptz, (x->>'lastMessageAt')::timestamptz, (x->>'resolvedAt')::timestamptz, (x->>'d')::json
      FROM (SELECT DISTINCT ON (x->>'id') x, ord FROM json_array_elements(b->'conversations') WITH ORDINALITY AS t(x, ord)
        ORDER BY x->>'id', ord DESC) AS latest
      ORDER BY ord
      ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, channel = excluded.channel,
        mode = excluded.mode, assignee = excluded.assignee, priority = excluded.priority,
        last_message_at = excluded.last_message_at, resolved_at = excluded.resolved_at, doc = excluded.doc;
  END IF;

  IF json_typeof(b->'messages') = 'array' THEN
    INSERT INTO messages (id, conversation_id, customer_id, channel, direction, author, channel_message_id, created_at, doc)
      SELECT x->>'id', x->>'conversationId', x->>'customerId', x->>'channel', x->>'direction', x->>'author',
        x->>'channelMessageId', (x->>'createdAt')::timestamptz, (x->>'d')::json
      FROM json_array_elements(b->'messages') WITH ORDINALITY AS t(x, ord)
      ORDER BY ord
      ON CONFLICT (id) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
  END IF;

  IF json_typeof(b->'outbox') = 'array' THEN
    INSERT INTO outbox (id, conversation_id, status, created_at, doc)
      SELECT x->>'id', x->>'conversationId', x->>'status', (x->>'createdAt')::timestamptz, (x->>'d')::json
      FROM (SELECT DISTINCT ON (x->>'id') x, ord FROM json_array_elements(b->'outbox') WITH ORDINALITY AS t(x, ord)
        ORDER BY x->>'id', ord DESC) AS latest
      ORDER BY ord
      ON CONFLICT (id) DO UPDATE SET conversation_id = excluded.conversation_id, status = excluded.status, doc = excluded.doc,
        attempts = NULL, delivered_at = NULL, delivered_channel_message_id = NULL;
  END IF;

  IF json_typeof(b->'deliveries') = 'array' THEN
    -- Only what a delivery changes; the reader lays it over doc (a json doc is not edited in place).
    UPDATE outbox o SET status = 'delivered', attempts = (d->>'attempts')::int, delivered_at = d->>'deliveredAt',
        delivered_channel_message_id = d->>'channelMessageId'
      FROM json_array_elements(b->'deliveries') AS t(d)
      WHERE o.id = d->>'outboxId';
  END IF;

  IF json_typeof(b->'flowSnapshots') = 'array' THEN
    DELETE FROM flow_snapshots f USING json_array_elements(b->'flowSnapshots') AS t(s)
      WHERE f.conversation_id = s->>'conversationId' AND s->>'d' IS NULL;
    INSERT INTO flow_snapshots (conversation_id, snapshot)
      SELECT s->>'conversationId', (s->>'d')::json
      FROM (SELECT DISTINCT ON (s->>'conversationId') s FROM json_array_elements(b->'flowSnapshots') WITH ORDINALITY AS t(s, ord)
        ORDER BY s->>'conversationId', ord DESC) AS latest
      WHERE s->>'d' IS NOT NULL
      ON CONFLICT (conversation_id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = now();
  END IF;

  IF json_typeof(b->'agents') = 'array' THEN
    INSERT INTO agents (id, token_hash, doc)
      SELECT x->>'id', x->>'tokenHash', (x->>'d')::json
      FROM (SELECT DISTINCT ON (x->>'id') x, ord FROM json_array_elements(b->'agents') WITH ORDINALITY AS t(x, ord)
        ORDER BY x->>'id', ord DESC) AS latest
      ORDER BY ord
      ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, doc = excluded.doc;
  END IF;

  IF json_typeof(b->'removeAgents') = 'array' THEN
    DELETE FROM agents a USING json_array_elements_text(b->'removeAgents') AS t(id) WHERE a.id = t.id;
  END IF;

  IF json_typeof(b->'records') = 'array' THEN
    DELETE FROM records r USING json_array_elements(b->'records') AS t(x)
      WHERE r.collection = x->>'collection' AND r.id = x->>'id' AND x->>'d' IS NULL;
    INSERT INTO records (collection, id, value)
      SELECT x->>'collection', x->>'id', (x->>'d')::json
      FROM (SELECT DISTINCT ON (x->>'collection', x->>'id') x, ord
        FROM json_array_elements(b->'records') WITH ORDINALITY AS t(x, ord)
        ORDER BY x->>'collection', x->>'id', ord DESC) AS latest
      WHERE x->>'d' IS NOT NULL
      ORDER BY ord
      ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value;
  END IF;
  RETURN added;
END
$fn$;

-- A group of batches in one transaction. Returns the number before the first event's (its seq - 1).
CREATE FUNCTION caredesk_commit(batches json) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  b json;
  added_messages bigint := 0;
  event_count bigint;
  base bigint;
BEGIN
  FOR b IN SELECT value FROM json_array_elements(batches) LOOP
    added_messages := added_messages + caredesk_apply_batch(b);
  END LOOP;
  SELECT count(*) INTO event_count
    FROM json_array_elements(batches) AS bt(bv), json_array_elements(CASE WHEN json_typeof(bv->'events') = 'array' THEN bv->'events' ELSE '[]'::json END);
  IF event_count = 0 AND added_messages = 0 THEN
    RETURN NULL;
  END IF;
  -- Last: the counter row stays locked only until this transaction commits.
  UPDATE desk_counters SET last_event_seq = last_event_seq + event_count, message_count = message_count + added_messages
    WHERE id = 1 RETURNING last_event_seq - event_count INTO base;
  INSERT INTO events (seq, type, at, conversation_id, customer_id, agent_id, doc)
    SELECT base + row_number() OVER (ORDER BY bo, eo), e->>'type', (e->>'at')::timestamptz,
      e->>'conversationId', e->>'customerId', e->>'agentId', (e->>'d')::json
    FROM json_array_elements(batches) WITH ORDINALITY AS bt(bv, bo),
      json_array_elements(CASE WHEN json_typeof(bv->'events') = 'array' THEN bv->'events' ELSE '[]'::json END) WITH ORDINALITY AS et(e, eo);
  RETURN base;
END
$fn$;

-- For reporting: one row per conversation with what the care team is judged on.
CREATE VIEW conversation_report AS
  SELECT c.id, c.customer_id, c.channel, c.mode, c.assignee, c.priority, c.created_at, c.last_message_at, c.resolved_at,
    c.doc->>'topic' AS topic, c.doc->>'skill' AS skill, (c.doc->>'messageCount')::int AS message_count,
    (c.doc->'sla'->>'queuedAt')::timestamptz AS queued_at,
    (c.doc->'sla'->>'firstRespondedAt')::timestamptz AS first_responded_at,
    (c.doc->'sla'->>'firstRespondedAt')::timestamptz - (c.doc->'sla'->>'queuedAt')::timestamptz AS first_response_time,
    c.resolved_at - c.created_at AS time_to_resolve
  FROM conversations c;
`;
