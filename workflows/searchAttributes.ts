/** The four search attributes of SPEC §5, kept current on every change of a component. */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { ComponentStatus } from '../machines/status.js';

export const MltrlProject = defineSearchAttributeKey('MltrlProject', SearchAttributeType.KEYWORD);
export const MltrlLevel = defineSearchAttributeKey('MltrlLevel', SearchAttributeType.INT);
export const MltrlPhase = defineSearchAttributeKey('MltrlPhase', SearchAttributeType.KEYWORD);
export const MltrlState = defineSearchAttributeKey('MltrlState', SearchAttributeType.KEYWORD);

export function searchAttributesFor(status: Pick<ComponentStatus, 'projectId' | 'level' | 'phase' | 'state'>): SearchAttributePair[] {
  return [
    { key: MltrlProject, value: status.projectId },
    { key: MltrlLevel, value: status.level },
    { key: MltrlPhase, value: status.phase },
    { key: MltrlState, value: status.state },
  ];
}
