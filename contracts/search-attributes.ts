// The search attributes BabyBot puts on its workflows, so the Web UI and `babybot runs`
// can filter a group's turns and tasks. Registered on the server at start.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const GROUP = defineSearchAttributeKey('BabybotGroup', SearchAttributeType.KEYWORD);
export const CHAT = defineSearchAttributeKey('BabybotChat', SearchAttributeType.KEYWORD);
/** message | task | group */
export const KIND = defineSearchAttributeKey('BabybotKind', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [GROUP, CHAT, KIND] as const;
