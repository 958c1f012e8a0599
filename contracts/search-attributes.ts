// The search attributes BabyBot puts on its workflows, so the Web UI and `babybot runs`
// can filter a group's turns and tasks. Registered on the server at start.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const GROUP = defineSearchAttributeKey('BabybotGroup', SearchAttributeType.KEYWORD);
export const CHAT = defineSearchAttributeKey('BabybotChat', SearchAttributeType.KEYWORD);
/** message | task | group | voice */
export const KIND = defineSearchAttributeKey('BabybotKind', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [GROUP, CHAT, KIND] as const;

/** The attributes of one of BabyBot's workflows or Schedules: its group, its kind, and its chat where it has one. */
export function babybotAttributes(of: { group: string; kind: string; chat?: string }): SearchAttributePair[] {
  return [
    { key: GROUP, value: of.group },
    ...(of.chat === undefined ? [] : [{ key: CHAT, value: of.chat }]),
    { key: KIND, value: of.kind },
  ];
}
