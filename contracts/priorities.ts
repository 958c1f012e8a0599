// Who goes first for a shared slot (model, sandbox, media): the main group, the owner's own
// chat, before any other group however many of them are busy. Temporal task priorities
// (lower key first; 1..5, default 3) need the server's priority matcher
// (matching.useNewMatcher, set by temporal/dev-server.ts and deploy/temporal-dynamic-config.yaml);
// a server without it ignores them and serves the queue first come, first served.
// Between the other groups the queue stays first come, first served: each group has at most
// one turn, so one model or sandbox step, in flight at a time.
export const MAIN_PRIORITY = { priorityKey: 1 } as const;
export const GROUP_PRIORITY = { priorityKey: 3 } as const;

export const priorityOf = (isMain: boolean) => (isMain ? MAIN_PRIORITY : GROUP_PRIORITY);
