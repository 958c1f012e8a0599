// Versioned schema. Each entry moves the database from version i to i + 1; the
// version lives in SQLite's own user_version, and each step runs in a transaction.
export const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE chats (
    jid TEXT PRIMARY KEY,
    name TEXT,
    channel TEXT NOT NULL,
    is_group INTEGER NOT NULL DEFAULT 0,
    last_message_at TEXT
  );

  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    chat TEXT NOT NULL,
    id TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_name TEXT,
    text TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    from_assistant INTEGER NOT NULL DEFAULT 0,
    -- 'none': not for the assistant (context only); 'pending': stored but not yet
    -- handed to Temporal; 'done': its group workflow has it.
    handoff TEXT NOT NULL DEFAULT 'none' CHECK (handoff IN ('none', 'pending', 'done')),
    UNIQUE (chat, id)
  );
  CREATE INDEX messages_pending ON messages (handoff) WHERE handoff = 'pending';

  CREATE TABLE groups (
    folder TEXT PRIMARY KEY,
    jid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    trigger_word TEXT,
    requires_trigger INTEGER NOT NULL DEFAULT 1,
    is_main INTEGER NOT NULL DEFAULT 0,
    sandbox TEXT NOT NULL DEFAULT '{}',
    added_at TEXT NOT NULL
  );

  -- One row per outbound send, keyed by what produced it (a turn, a failure
  -- notice): a retried delivery finds its row and sends nothing twice.
  CREATE TABLE deliveries (
    key TEXT PRIMARY KEY,
    chat TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent')),
    updated_at TEXT NOT NULL
  );

  CREATE TABLE whatsapp_auth (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: WhatsApp echoes BabyBot's own sends back as incoming messages; they are recognised
  // by looking their id up in the delivery log, once per incoming message of the owner.
  `
  CREATE INDEX deliveries_message_id ON deliveries (message_id);
  `,
  // 3: what a message carried besides text (a voice note, photo, document, a file sent back):
  // one row per message, its file under the group's folder, and how far it got.
  `
  CREATE TABLE media (
    chat TEXT NOT NULL,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('voice', 'audio', 'image', 'video', 'document', 'sticker')),
    mime TEXT NOT NULL,
    -- Relative to the group's folder (media/<message id>.<ext>); null when nothing was saved.
    path TEXT,
    folder TEXT,
    bytes INTEGER,
    file_name TEXT,
    seconds INTEGER,
    width INTEGER,
    height INTEGER,
    -- 'saved', or why not: 'failed' (download), 'too-large' (MEDIA_MAX_BYTES).
    status TEXT NOT NULL CHECK (status IN ('saved', 'failed', 'too-large')),
    error TEXT,
    -- Voice notes: null until transcribed (or given up on: then the placeholder text).
    transcript TEXT,
    language TEXT,
    PRIMARY KEY (chat, message_id)
  );
  `,
  // 4: what a group's chat commands set (contracts/commands.ts), by folder: its own model
  // (/model; null: OLLAMA_MODEL), where its conversation starts (/new, /compact: the turns
  // read only messages after this seq), and the summary /compact wrote of what came before.
  `
  CREATE TABLE group_settings (
    folder TEXT PRIMARY KEY,
    model TEXT,
    context_after_seq INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    summary_at TEXT
  );
  `,
  // 5: approvals. A group's own list of tools that wait for the owner's yes (JSON array;
  // null: only APPROVE_TOOLS, for groups that are not main), and every question asked: its
  // number is what the owner answers (/approve 7), its key the turn's run and call, so a
  // retried step asks once.
  `
  ALTER TABLE group_settings ADD COLUMN approve_tools TEXT;
  CREATE TABLE approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    folder TEXT NOT NULL,
    turn_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    summary TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'approved', 'denied', 'expired')),
    asked_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT
  );
  CREATE INDEX approvals_waiting ON approvals (status) WHERE status = 'waiting';
  `,
  // 6: what a channel must remember across restarts besides messages: Telegram's update
  // offset (advanced only after an update is stored), its owner set by `telegram link`.
  `
  CREATE TABLE channel_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 7: sub-agents (workflows/delegate.ts): one row per sub-agent a turn started, reserved by
  // the host before its workflow starts, so the limits (per turn, alive per group, steps) are
  // counted here and never taken from a workflow's input. `delegation` is the reserving step
  // (run, activity): a retried step finds its rows instead of reserving more.
  `
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    turn_id TEXT NOT NULL,
    delegation TEXT NOT NULL,
    brief TEXT NOT NULL,
    max_steps INTEGER NOT NULL,
    background INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'answered', 'step-limit', 'failed', 'timed-out', 'cancelled')),
    steps INTEGER,
    started_at TEXT NOT NULL,
    ended_at TEXT
  );
  CREATE INDEX agents_turn ON agents (turn_id);
  CREATE INDEX agents_delegation ON agents (delegation);
  CREATE INDEX agents_running ON agents (folder) WHERE status = 'running';
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
